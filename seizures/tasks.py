from celery import shared_task


@shared_task
def make_photo_thumbnail(photo_id: int):
    from .models import Photo
    from .services import photo_thumbnail_make

    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is not None:
        photo_thumbnail_make(photo=photo)
