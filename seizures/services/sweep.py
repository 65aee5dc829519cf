"""Work whose task never reached a worker, sent again.

An upload or an export is recorded in PostgreSQL before its task is queued.
When the broker was unreachable the row is marked ``waiting_for_queue``; when a
worker was lost, an upload shows no progress. Work without a row of its own (an
e-mail, a thumbnail, an extract asked for) left a ``PendingTask`` behind
(``cen_suite.queueing``). ``queued_work_sweep`` (Celery beat every few minutes,
and ``manage.py sweep_queued_work``) sends each such task once more. The
tasks are idempotent (they only work on a row in the matching state), and each
row is taken under a row lock and touched (or deleted) before its task is
sent, so two sweeps at once, or a sweep and a slow worker, never send the same
row twice in a sweep interval.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cen_suite.queueing import pending_tasks_send, task_enqueue_on_commit

from .. import tasks
from ..models import (
    UPLOAD_CHECK_STALLED_AFTER,
    BulkAction,
    BulkActionStatus,
    Export,
    ExportStatus,
    Upload,
    UploadStatus,
)
from .bulk import run_bulk_action

# A bulk job marks its progress after every batch of a thousand cases.
BULK_STALLED_AFTER = timedelta(minutes=5)

_UPLOAD_TASKS = {
    UploadStatus.CHECKING: tasks.check_upload,
    UploadStatus.IMPORTING: tasks.import_upload,
}


def _waiting_again(model, pk):
    return lambda: model.objects.filter(pk=pk).update(waiting_for_queue=True)


def queued_work_sweep() -> int:
    """Send again the task of every upload and export waiting for the queue, of
    every upload check whose worker has shown no sign of life for
    UPLOAD_CHECK_STALLED_AFTER, of every stalled bulk job and every recorded
    task the broker never took. Returns how many tasks were sent."""
    # Each recorded task is sent and forgotten in a transaction of its own: one
    # that a later failure rolled back would be sent twice.
    return _rows_sweep() + pending_tasks_send()


@transaction.atomic
def _rows_sweep() -> int:
    now = timezone.now()
    # Only a check is sent again when it stalled: an import is one long
    # transaction without progress marks, redelivered by Celery itself if its
    # worker is lost (acks_late), and must never run twice side by side.
    stalled = Q(status=UploadStatus.CHECKING) & (
        Q(progress_at__lt=now - UPLOAD_CHECK_STALLED_AFTER)
        | Q(progress_at__isnull=True, created_at__lt=now - UPLOAD_CHECK_STALLED_AFTER)
    )
    uploads = list(
        Upload.objects.select_for_update(skip_locked=True)
        .filter(status__in=list(_UPLOAD_TASKS))
        .filter(Q(waiting_for_queue=True) | stalled)
        .order_by("pk")
    )
    for upload in uploads:
        # Touched now: the next sweep leaves it alone for a whole stall interval.
        upload.waiting_for_queue, upload.progress_at = False, now
        upload.save(update_fields=["waiting_for_queue", "progress_at"])
        task_enqueue_on_commit(
            _UPLOAD_TASKS[upload.status],
            upload.pk,
            on_unavailable=_waiting_again(Upload, upload.pk),
        )
    exports = list(
        Export.objects.select_for_update(skip_locked=True)
        .filter(status=ExportStatus.QUEUED, waiting_for_queue=True)
        .order_by("pk")
    )
    for export in exports:
        export.waiting_for_queue = False
        export.save(update_fields=["waiting_for_queue"])
        task_enqueue_on_commit(
            tasks.run_export, export.pk, on_unavailable=_waiting_again(Export, export.pk)
        )
    # A bulk job never taken up, or whose worker went silent: it goes on from its
    # first batch not committed, and two runs at once take distinct batches
    # (each batch is taken off the job under its row lock).
    silent = now - BULK_STALLED_AFTER
    jobs = list(
        BulkAction.objects.select_for_update(skip_locked=True)
        .filter(status__in=[BulkActionStatus.QUEUED, BulkActionStatus.RUNNING])
        .filter(Q(progress_at__lt=silent) | Q(progress_at__isnull=True, created_at__lt=silent))
        .order_by("pk")
    )
    for job in jobs:
        job.progress_at = now
        job.save(update_fields=["progress_at"])
        task_enqueue_on_commit(run_bulk_action, job.pk)
    return len(uploads) + len(exports) + len(jobs)
