from celery import shared_task


@shared_task
def make_photo_thumbnail(photo_id: int):
    from .models import Photo
    from .services import photo_thumbnail_make

    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is not None:
        photo_thumbnail_make(photo=photo)


@shared_task
def run_export(export_id: int):
    from .models import Export
    from .services import export_fail, export_run

    export = Export.objects.filter(pk=export_id).select_related("user").first()
    if export is None:
        return
    try:
        export_run(export=export)
    except Exception as error:
        export_fail(export=export, error=str(error))
        raise


@shared_task
def purge_exports():
    from .services import exports_purge

    return exports_purge()
