"""Writes for the global CEN. Each is atomic, records the case history and the
audit log, and queues its background work on commit."""

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditAction, User
from accounts.services import audit_event_create
from cen_suite.queueing import task_enqueue_recorded

from .. import tasks
from ..models import (
    DatabaseExtract,
)

# --- Database extract ------------------------------------------------------------------------

EXTRACTS_KEPT = 3


def extract_build(*, requested_by: User | None = None) -> DatabaseExtract:
    """Build a new extract; keep the last few, delete the older files."""
    from ..extract import extract_write

    with tempfile.TemporaryDirectory() as folder:
        sqlite_path, zip_path, case_count = extract_write(Path(folder))
        extract = DatabaseExtract(case_count=case_count, requested_by=requested_by)
        stamp = timezone.now().strftime("%Y%m%d")
        with open(sqlite_path, "rb") as sqlite_content, open(zip_path, "rb") as zip_content:
            extract.sqlite_file.save(
                f"cen-extract-{stamp}.sqlite", File(sqlite_content), save=False
            )
            extract.csv_zip.save(f"cen-extract-{stamp}-csv.zip", File(zip_content), save=False)
        extract.save()
    for old in DatabaseExtract.objects.all()[EXTRACTS_KEPT:]:
        old.sqlite_file.delete(save=False)
        old.csv_zip.delete(save=False)
        old.delete()
    return extract


def extract_request(*, user: User, request: HttpRequest | None = None) -> None:
    """WCO staff ask for a fresh extract now instead of tonight. The request is
    recorded: with the task queue unreachable, the sweep sends it once it is back."""
    if not user.is_wco_staff:
        raise PermissionDenied
    task_enqueue_recorded(tasks.build_extract, user.pk)


def extract_downloaded(*, extract: DatabaseExtract, kind: str, request: HttpRequest) -> None:
    audit_event_create(
        action=AuditAction.EXTRACT_DOWNLOADED,
        request=request,
        target=extract,
        details={"file": kind, "cases": extract.case_count},
    )
