"""Exports of search results. Each is atomic, records the case history and the
audit log, and queues its background work on commit."""

import tempfile
from datetime import timedelta
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditAction, User
from accounts.services import audit_event_create
from cen_suite.queueing import task_enqueue_on_commit

from .. import tasks
from ..models import (
    CommodityLine,
    Export,
    ExportLayout,
    ExportStatus,
)

# --- Exports ------------------------------------------------------------------------------

EXPORT_DAYS = 7


@transaction.atomic
def export_create(*, user: User, query: str, layout: str, columns: str, file_format: str) -> Export:
    export = Export.objects.create(
        user=user,
        query=query,
        layout=layout,
        columns=columns,
        format=file_format,
        expires_at=timezone.now() + timedelta(days=EXPORT_DAYS),
    )
    pk = export.pk
    task_enqueue_on_commit(
        tasks.run_export,
        pk,
        on_unavailable=lambda: Export.objects.filter(pk=pk).update(waiting_for_queue=True),
    )
    return export


def export_run(*, export: Export) -> Export:
    """Write the file. Idempotent: a finished export is left as it is."""
    from django.http import QueryDict
    from django.utils import translation

    from ..exports import WRITERS, columns_for, export_rows
    from ..search.forms import CaseSearchForm, filters_in_words
    from ..search.query import case_search

    if export.status == ExportStatus.DONE:
        return export
    user = export.user
    with translation.override(user.language):
        form = CaseSearchForm(QueryDict(export.query))
        filters = form.cleaned_data if form.is_valid() else {}
        cases = case_search(user=user, filters=filters)
        export.status, export.rows_done = ExportStatus.RUNNING, 0
        export.rows_total = (
            CommodityLine.objects.filter(case__in=cases.order_by().values("pk")).count()
            if export.layout == ExportLayout.LINE
            else cases.order_by().count()
        )
        export.save(update_fields=["status", "rows_done", "rows_total"])
        columns = columns_for(layout=export.layout, columns=export.columns)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"export.{export.format}"
            writer = WRITERS[export.format](path, columns, str(_("Cases")))
            rows = export_rows(
                cases,
                layout=export.layout,
                columns=columns,
                own_administration_id=user.administration_id,
            )
            for row in rows:
                writer.write(row)
                if writer.rows % 5000 == 0:
                    Export.objects.filter(pk=export.pk).update(rows_done=writer.rows)
            about = [
                (_("Exported by"), user.email),
                (_("Exported at (UTC)"), timezone.now().strftime("%Y-%m-%d %H:%M:%S")),
                (_("Rows"), writer.rows),
                *(filters_in_words(form) if form.is_valid() else []),
            ]
            writer.finish(about)
            name = f"cen-cases-{timezone.now():%Y%m%d-%H%M}.{export.format}"
            with open(path, "rb") as content:
                export.file.save(name, File(content), save=False)
    export.rows_done = writer.rows
    export.status = ExportStatus.DONE
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "rows_done", "status", "finished_at"])
    audit_event_create(
        action=AuditAction.EXPORT_CREATED,
        actor=user,
        target=export,
        details={"filters": export.query, "rows": writer.rows, "layout": export.layout},
    )
    return export


def export_fail(*, export: Export, error: str) -> None:
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED, error=error[:500])


def export_downloaded(*, export: Export, request: HttpRequest) -> None:
    audit_event_create(
        action=AuditAction.EXPORT_DOWNLOADED,
        request=request,
        target=export,
        details={"rows": export.rows_done},
    )


def exports_purge(*, now=None) -> int:
    """Delete the files of exports older than a week (beat, daily)."""
    now = now or timezone.now()
    expired = list(Export.objects.filter(expires_at__lte=now))
    for export in expired:
        if export.file:
            export.file.delete(save=False)
        export.delete()
    return len(expired)
