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
def sweep_photo_files():
    from .services import photo_files_sweep

    return photo_files_sweep()


@shared_task
def sweep_queued_work():
    from .services import queued_work_sweep

    return queued_work_sweep()


@shared_task
def purge_exports():
    from .services import exports_purge

    return exports_purge()


@shared_task
def send_watch_emails():
    from .services import watch_notices_send

    return watch_notices_send()


@shared_task
def send_watch_email(saved_search_id: int, references: list[str], total: int):
    from .emails import watch_email_send

    watch_email_send(saved_search_id=saved_search_id, references=references, total=total)


@shared_task
def build_extract(user_id: int | None = None):
    from accounts.models import User

    from .services import extract_build

    extract_build(requested_by=User.objects.filter(pk=user_id).first() if user_id else None)


# Both upload tasks are acknowledged once done, and delivered again if the worker
# is lost midway (at most UPLOAD_MAX_ATTEMPTS times): the service only works on an
# upload in the matching state and writes all or nothing.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def check_upload(upload_id: int):
    from .imports.service import upload_check, upload_fail, upload_take_up
    from .models import UploadStatus

    upload = upload_take_up(upload_id=upload_id, status=UploadStatus.CHECKING)
    if upload is None:
        return
    try:
        upload_check(upload=upload)
    except Exception:
        upload_fail(upload_id=upload_id)
        raise


# Acknowledged late and delivered again, as the check above.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_upload(upload_id: int):
    from .imports.service import upload_import, upload_take_up
    from .models import UploadStatus

    upload = upload_take_up(upload_id=upload_id, status=UploadStatus.IMPORTING)
    if upload is not None:
        upload_import(upload=upload)


# The bulk job's task sits beside its service (services/bulk.py); imported here so
# that the worker, which reads this module, knows it.
from .services.bulk import run_bulk_action  # noqa: E402, F401
