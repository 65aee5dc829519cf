"""Bulk upload: store → check and preview (worker) → confirm → import (worker).

The import writes every case of the file in one transaction or none of them;
an upload that failed half-way can be confirmed again. Cases are identified by
the administration's national reference, so a re-upload updates them.
"""

import contextlib
import hashlib
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import ApiKey, AuditAction, AuditOutcome, Role, User
from accounts.services import audit_event_create
from cen_suite.queueing import task_enqueue_on_commit

from .. import tasks
from ..models import (
    UPLOAD_MAX_ATTEMPTS,
    Case,
    CaseSource,
    CaseStatus,
    MappingProfile,
    Upload,
    UploadExisting,
    UploadStatus,
    UploadWorkflow,
)
from ..services.bulk import bulk_steps_for, cases_workflow_apply
from ..services.cases import cases_save_many
from . import mapping, snapshot
from .columns import Vocabularies
from .conventions import conventions_answer, conventions_open
from .error_workbook import error_workbook_build
from .parsing import Parsed, all_errors, parse_workbook, summarise, validate_cases
from .reading import FileRefused, NeedsMapping, check_size, open_upload, refusal_for

PROGRESS_EVERY = 250
UPLOADERS = (Role.NATIONAL_ADMIN,)


def upload_workflows_for(user: User) -> list[str]:
    """What an import may do with the cases it writes, for ``user``: a national
    admin may submit or validate them on import (they are the validator);
    anyone else imports drafts."""
    steps = bulk_steps_for(user) if user.role == Role.NATIONAL_ADMIN else []
    return [UploadWorkflow.DRAFT] + [
        step for step in (UploadWorkflow.SUBMIT, UploadWorkflow.VALIDATE) if step in steps
    ]


def _check_uploader(user: User, api_key: ApiKey | None) -> None:
    if api_key is not None:
        if api_key.administration_id != user.administration_id:
            raise PermissionDenied
        return
    if user.role not in UPLOADERS:
        raise PermissionDenied


def _audit(action: str, *, upload: Upload, request=None, outcome=AuditOutcome.SUCCESS, **details):
    audit_event_create(
        action=action,
        request=request,
        actor=upload.user,
        administration=upload.administration,
        target=upload,
        outcome=outcome,
        details={"file": upload.original_name, "sha256": upload.sha256, **details},
    )


@transaction.atomic
def upload_create(
    *,
    user: User,
    file,
    workflow: str = UploadWorkflow.DRAFT,
    api_key: ApiKey | None = None,
    profile: MappingProfile | None = None,
    request: HttpRequest | None = None,
) -> Upload:
    """Store the file and queue its check. ``file``: an UploadedFile; ``workflow``:
    the step the import then takes on the cases it writes; ``profile``: the
    administration's mapping profile to read it with (else the one for its
    headers, if any, is found by the check)."""
    _check_uploader(user, api_key)
    if workflow not in upload_workflows_for(user):
        raise PermissionDenied
    if profile is not None and profile.administration_id != user.administration_id:
        raise PermissionDenied
    check_size(file.size)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    name = Path(file.name or "upload").name[-200:]
    upload = Upload(
        administration=user.administration,
        user=user,
        api_key=api_key,
        original_name=name,
        size=file.size,
        sha256=digest.hexdigest(),
        workflow=workflow,
        progress_at=timezone.now(),
        profile=profile,
        mapping=mapping.profile_mapping(profile) if profile is not None else {},
    )
    suffix = Path(name).suffix.lower()[:6] or ".bin"
    upload.file.save(f"upload{suffix}", file, save=False)
    upload.save()
    _audit(
        AuditAction.UPLOAD_CREATED,
        upload=upload,
        request=request,
        size=upload.size,
        workflow=workflow,
    )
    _queue(tasks.check_upload, upload)
    return upload


def _queue(task, upload: Upload):
    """Queue ``task`` for the upload on commit; with the broker unreachable the
    upload is marked as waiting for the queue, and the sweeper sends it later."""
    pk = upload.pk
    task_enqueue_on_commit(
        task,
        pk,
        on_unavailable=lambda: Upload.objects.filter(pk=pk).update(waiting_for_queue=True),
    )


@contextlib.contextmanager
def _local_copy(upload: Upload):
    """A path to the stored file (a temporary copy when storage is remote)."""
    try:
        path = Path(upload.file.path)
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.file.name).name
        with upload.file.open("rb") as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target)
        yield path


def _progress(upload: Upload):
    def report(done: int) -> None:
        if done - report.last >= PROGRESS_EVERY or done == upload.rows_total:
            Upload.objects.filter(pk=upload.pk).update(rows_done=done, progress_at=timezone.now())
            report.last = done

    report.last = 0
    return report


def _read_and_validate(
    upload: Upload, path: Path, *, skip_existing: bool, ask: bool = True
) -> tuple[str, Parsed]:
    """Raises FileRefused, or NeedsMapping when the file's own headers or values
    are not mapped yet (the administration's profile for its headers is applied
    first, if it has one). Without ``ask`` (the import: the questions were asked
    by the check) a value in none of our lists is a row error."""
    try:
        return _read_once(upload, path, skip_existing=skip_existing, ask=ask)
    except NeedsMapping as needed:
        if not mapping.upload_profile_match(upload=upload, needed=needed):
            raise
    return _read_once(upload, path, skip_existing=skip_existing, ask=ask)


def _read_once(
    upload: Upload, path: Path, *, skip_existing: bool, ask: bool = True
) -> tuple[str, Parsed]:
    # A sign of life before the reading, which reports no progress of its own.
    Upload.objects.filter(pk=upload.pk).update(progress_at=timezone.now())
    column_map = mapping.ColumnMap.from_mapping(upload.mapping)
    offenders_map = mapping.ColumnMap.from_mapping(upload.mapping, sheet="offenders")
    kind, workbook = open_upload(path, upload.original_name, column_map, offenders_map)
    try:
        sheet_map = workbook.cases.column_map
        if sheet_map is not None and sheet_map.template:
            # Before any row is read: the reader takes the answers of the profile.
            mapping.upload_template_profile_match(upload=upload, column_map=sheet_map)
        vocabularies = Vocabularies()
        parsed = parse_workbook(
            workbook, vocabularies, upload.conventions, upload.mapping.get("conventions")
        )
    except FileRefused:
        raise
    except Exception as error:
        # XML that defusedxml refused, or broken, met while reading the rows.
        if kind != "xlsx":
            raise
        raise refusal_for(error) from error
    finally:
        workbook.close()
    if not parsed.cases and not parsed.errors:
        raise FileRefused(_("The file has no rows of cases."))
    sheet_map = workbook.cases.column_map
    if sheet_map is not None and sheet_map.template and upload.api_key_id is not None:
        # An automatic upload of the template cannot answer questions: its values
        # in none of our lists are row errors, as the API documents (a profile's
        # answers for its headers still apply).
        ask = False
    if sheet_map is not None and ask:
        learned = mapping.learned_answers(administration_id=upload.administration_id)
        questions = mapping.value_questions(sheet_map, vocabularies, learned)
        if questions:
            raise NeedsMapping(
                _("Some values of the file are in none of our lists: say what each one is."),
                questions=questions,
                headers=sheet_map.headers if sheet_map.template else None,
                template=sheet_map.template,
            )
    upload.rows_total, upload.rows_done = parsed.rows, 0
    Upload.objects.filter(pk=upload.pk).update(
        rows_total=parsed.rows, rows_done=0, progress_at=timezone.now()
    )
    validate_cases(
        parsed,
        administration=upload.administration,
        skip_existing=skip_existing,
        on_progress=_progress(upload),
    )
    parsed.summary = summarise(parsed, vocabularies)
    return kind, parsed


def _still(upload: Upload, status: str) -> bool:
    """Lock the upload (within a transaction) and tell whether it is still in
    ``status``: a user may have cancelled it, or a retried task finished it,
    while this worker was busy. The caller then leaves it as it is."""
    current = Upload.objects.select_for_update().only("status").get(pk=upload.pk)
    return current.status == status


def _refuse(upload: Upload, message: str) -> Upload:
    with transaction.atomic():
        if not _still(upload, upload.status):
            return upload
        upload.status, upload.message = UploadStatus.FAILED, message
        upload.finished_at = timezone.now()
        upload.save(update_fields=["status", "message", "finished_at"])
    _audit(AuditAction.UPLOAD_FAILED, upload=upload, outcome=AuditOutcome.FAILURE, reason=message)
    return upload


def upload_take_up(*, upload_id: int, status: str) -> Upload | None:
    """A worker takes up an upload in ``status`` (checking or importing): count
    the attempt; past UPLOAD_MAX_ATTEMPTS (the file killed its worker each time
    and the task was delivered again) fail it instead. None: nothing to do."""
    with transaction.atomic():
        upload = (
            Upload.objects.select_for_update()
            .select_related("user", "administration")
            .filter(pk=upload_id)
            .first()
        )
        if upload is None or upload.status != status:
            return None
        upload.attempts += 1
        upload.save(update_fields=["attempts"])
    if upload.attempts > UPLOAD_MAX_ATTEMPTS:
        with translation.override(upload.user.language):
            _refuse(
                upload,
                _(
                    "The file stopped the worker processing it %(count)s times and was "
                    "not processed. Nothing was written. Please contact your administrator."
                )
                % {"count": UPLOAD_MAX_ATTEMPTS},
            )
        return None
    return upload


def upload_check(*, upload: Upload) -> Upload:
    """Check, parse and validate the file; store the preview, the errors and the
    error workbook. Idempotent: only an upload being checked is checked."""
    if upload.status != UploadStatus.CHECKING:
        return upload
    with translation.override(upload.user.language), _local_copy(upload) as path:
        try:
            kind, parsed = _read_and_validate(upload, path, skip_existing=False)
        except NeedsMapping as needed:
            return mapping.upload_mapping_ask(upload=upload, needed=needed)
        except FileRefused as refused:
            return _refuse(upload, refused.message)
        errors = [error.as_dict() for error in all_errors(parsed)]
        content = error_workbook_build(path=path, kind=kind, errors=errors) if errors else None
        with transaction.atomic():
            if not _still(upload, UploadStatus.CHECKING):
                return upload  # cancelled meanwhile: it stays cancelled
            upload.summary, upload.conventions = parsed.summary, parsed.conventions
            upload.errors, upload.error_count = errors, len(errors)
            upload.rows_done = upload.rows_total
            upload.checked_at = timezone.now()
            if errors:
                upload.status = UploadStatus.INVALID
                stem = Path(upload.original_name).stem[:80]
                upload.error_file.save(
                    _("%(name)s-errors.xlsx") % {"name": stem}, ContentFile(content), save=False
                )
            elif not (groups := [g for g in parsed.cases.values() if g.data is not None]):
                # Every case of the file is locked: there is nothing to confirm.
                upload.status, upload.message = UploadStatus.DONE, _nothing_to_import(parsed)
                upload.result = {"created": [], "updated": []}
                upload.finished_at = upload.checked_at
            else:
                upload.status = UploadStatus.AWAITING
                upload.validated.save(
                    "validated.json.gz", ContentFile(snapshot.dump(groups)), save=False
                )
            upload.save()
    return upload


def _nothing_to_import(parsed: Parsed) -> str:
    """Why a file without errors has nothing to import: each of its cases is known
    and submitted or validated, so the import would leave them all as they are."""
    if all(group.existing.status == CaseStatus.VALIDATED for group in parsed.cases.values()):
        return _("Nothing to import: every case in this file is already validated.")
    return _("Nothing to import: every case in this file is already submitted or validated.")


def _import_abandoned(upload: Upload) -> bool:
    """Importing for longer than a task may run: its worker was killed and the
    task was not delivered again. Its transaction wrote nothing."""
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return (
        upload.status == UploadStatus.IMPORTING
        and upload.confirmed_at is not None
        and timezone.now() - upload.confirmed_at > limit
    )


def upload_can_confirm(upload: Upload) -> bool:
    """Checked without errors, no column still to be read one way or the other,
    and not imported yet (a failed or abandoned import may be tried again)."""
    if conventions_open(upload.conventions):
        return False
    failed = (
        upload.status == UploadStatus.FAILED
        and upload.checked_at is not None
        and upload.error_count == 0
    )
    return upload.status == UploadStatus.AWAITING or failed or _import_abandoned(upload)


def upload_can_answer(upload: Upload) -> bool:
    """Checked, and neither being imported, imported nor cancelled: how its
    columns are read may still be chosen."""
    return upload.checked_at is not None and upload.status in (
        UploadStatus.INVALID,
        UploadStatus.AWAITING,
        UploadStatus.FAILED,
    )


@transaction.atomic
def upload_conventions_set(
    *, upload: Upload, user: User, choices: dict, request: HttpRequest | None = None
) -> Upload:
    """Record how the user reads columns that can be read two ways ({column key:
    "dmy" | "mdy" | "," | "."}, see imports/conventions.py); when a reading
    changes, check the file again with it, so that the preview and then the
    import read it that way. The mapping profile the file was read with keeps
    the answers for the next file with the same headers. Raises BadAnswer for a
    choice not offered."""
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.administration_id != user.administration_id:
        raise PermissionDenied
    if not upload_can_answer(upload):
        raise PermissionDenied(_("This upload cannot be changed in its current state."))
    upload.conventions, changed = conventions_answer(upload.conventions, choices)
    fields = ["conventions"]
    if changed:
        stored = [stored.name for stored in (upload.validated, upload.error_file) if stored]
        upload.status, upload.message, upload.checked_at = UploadStatus.CHECKING, "", None
        upload.errors, upload.error_count, upload.summary = [], 0, {}
        upload.rows_done, upload.progress_at, upload.attempts = 0, timezone.now(), 0
        upload.validated, upload.error_file = "", ""
        fields += ["status", "message", "checked_at", "errors", "error_count", "summary"]
        fields += ["rows_done", "progress_at", "attempts", "validated", "error_file"]
        storage = upload.file.storage
        transaction.on_commit(lambda: [storage.delete(name) for name in stored])
    upload.save(update_fields=fields)
    if upload.profile_id is not None:
        mapping.profile_conventions_keep(upload=upload, user=user, request=request)
    _audit(
        AuditAction.UPLOAD_CONVENTIONS_SET,
        upload=upload,
        request=request,
        choices=choices,
        checked_again=changed,
    )
    if changed:
        _queue(tasks.check_upload, upload)
    return upload


@transaction.atomic
def upload_confirm(
    *, upload: Upload, user: User, existing: str, request: HttpRequest | None = None
) -> Upload:
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.administration_id != user.administration_id:
        raise PermissionDenied
    if conventions_open(upload.conventions):
        raise PermissionDenied(
            _("Some columns can be read two ways: choose how to read them before importing.")
        )
    if not upload_can_confirm(upload):
        raise PermissionDenied(_("This upload cannot be imported in its current state."))
    upload.existing = UploadExisting(existing)
    upload.status, upload.message = UploadStatus.IMPORTING, ""
    upload.confirmed_at, upload.attempts = timezone.now(), 0
    upload.save(update_fields=["existing", "status", "message", "confirmed_at", "attempts"])
    _audit(AuditAction.UPLOAD_CONFIRMED, upload=upload, request=request, existing=existing)
    _queue(tasks.import_upload, upload)
    return upload


@transaction.atomic
def upload_cancel(*, upload: Upload, user: User, request: HttpRequest | None = None) -> Upload:
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.administration_id != user.administration_id:
        raise PermissionDenied
    cancellable = (
        UploadStatus.NEEDS_MAPPING,
        UploadStatus.INVALID,
        UploadStatus.AWAITING,
        UploadStatus.FAILED,
    )
    if upload.status not in cancellable and not upload.check_stalled:
        raise PermissionDenied(_("This upload cannot be cancelled in its current state."))
    upload.status, upload.finished_at = UploadStatus.CANCELLED, timezone.now()
    upload.save(update_fields=["status", "finished_at"])
    _audit(AuditAction.UPLOAD_CANCELLED, upload=upload, request=request)
    return upload


@transaction.atomic
def upload_check_retry(*, upload: Upload, user: User, request: HttpRequest | None = None) -> Upload:
    """Check again a file whose check stalled (its worker was killed and the task
    was not delivered again). A check that is still alive is left alone."""
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.administration_id != user.administration_id:
        raise PermissionDenied
    if not upload.check_stalled:
        raise PermissionDenied(_("This upload is not waiting for a stalled check."))
    upload.rows_done, upload.message, upload.progress_at = 0, "", timezone.now()
    upload.attempts = 0
    upload.save(update_fields=["rows_done", "message", "progress_at", "attempts"])
    _audit(
        AuditAction.UPLOAD_FAILED,
        upload=upload,
        request=request,
        outcome=AuditOutcome.FAILURE,
        reason="check stalled",
        retried_by=user.pk,
    )
    _queue(tasks.check_upload, upload)
    return upload


def upload_import(*, upload: Upload) -> Upload:
    """Read and validate the file again (cases may have changed since the
    preview), then write every case in one transaction. Idempotent: a worker
    killed mid-import left nothing behind, and the redelivered task starts over."""
    if upload.status != UploadStatus.IMPORTING:
        return upload
    user = upload.user
    source = CaseSource.API if upload.api_key_id else CaseSource.UPLOAD
    skip_existing = upload.existing == UploadExisting.SKIP
    with translation.override(user.language), _local_copy(upload) as path:
        items = _validated_items(upload, skip_existing=skip_existing)
        if items is None:
            # Validate the file again: something changed since the preview.
            try:
                _kind, parsed = _read_and_validate(
                    upload, path, skip_existing=skip_existing, ask=False
                )
            except FileRefused as refused:
                return _refuse(upload, refused.message)
            errors = [error.as_dict() for error in all_errors(parsed)]
            if errors:
                upload.status, upload.errors, upload.error_count = (
                    UploadStatus.INVALID,
                    errors,
                    len(errors),
                )
                upload.save(update_fields=["status", "errors", "error_count"])
                return upload
            upload.summary = parsed.summary
            items = [
                (group.data, group.existing)
                for group in parsed.cases.values()
                if group.data is not None
            ]
        try:
            # The cases and the upload's "done" commit together: a worker lost
            # after the commit finds the upload done when the task comes again.
            with transaction.atomic():
                if not _still(upload, UploadStatus.IMPORTING):
                    return upload
                created, updated = cases_save_many(
                    user=user, items=items, source=source, details={"upload": upload.pk}
                )
                upload.status, upload.finished_at = UploadStatus.DONE, timezone.now()
                upload.rows_done = upload.rows_total
                upload.result = {
                    "created": [case.reference for case in created],
                    "updated": [case.reference for case in updated],
                }
                if upload.workflow != UploadWorkflow.DRAFT:
                    upload.result["workflow"] = _workflow_apply(upload, [*created, *updated])
                upload.save()
        except Exception:
            upload.status = UploadStatus.FAILED
            upload.message = _("The import failed and nothing was written. You can try again.")
            upload.save(update_fields=["status", "message"])
            _audit(AuditAction.UPLOAD_FAILED, upload=upload, outcome=AuditOutcome.FAILURE)
            raise
    _audit(
        AuditAction.UPLOAD_IMPORTED,
        upload=upload,
        created=len(created),
        updated=len(updated),
        workflow=upload.workflow,
        changed=upload.result.get("workflow", {}).get("changed", 0),
    )
    return upload


WORKFLOW_STATUS = {
    UploadWorkflow.SUBMIT: CaseStatus.SUBMITTED,
    UploadWorkflow.VALIDATE: CaseStatus.VALIDATED,
}


def _workflow_apply(upload: Upload, cases: list[Case]) -> dict:
    """Take the upload's chosen step on the cases just written, in the import's
    transaction, through the bulk workflow (its history, audit rows and one
    set-based update of the statistics). The cases it leaves as they are are
    listed with the reason."""
    result = {"action": upload.workflow, "changed": 0, "unchanged": []}
    if not cases:
        return result
    ids = [case.pk for case in cases]
    if upload.workflow not in upload_workflows_for(upload.user):
        # The uploader's role changed since the upload: the cases stay drafts.
        result["message"] = _("You may no longer take this step on these cases.")
        return result
    result["changed"] = cases_workflow_apply(
        user=upload.user,
        case_ids=ids,
        action=upload.workflow,
        comment=_("Bulk upload"),
        details={"upload": upload.pk},
    )
    unchanged = (
        Case.objects.filter(pk__in=ids)
        .exclude(status=WORKFLOW_STATUS[upload.workflow])
        .order_by("reference")
        .values_list("reference", flat=True)
    )
    reason = _("This case cannot change that way from its current status.")
    result["unchanged"] = [{"reference": ref, "reason": reason} for ref in unchanged]
    return result


def _validated_items(upload: Upload, *, skip_existing: bool):
    """The cases validated by the check, if nothing they depend on has changed."""
    if not upload.validated:
        return None
    try:
        with upload.validated.open("rb") as stored:
            content = stored.read()
        return snapshot.load(
            content, administration=upload.administration, skip_existing=skip_existing
        )
    except (snapshot.Stale, OSError, ValueError, KeyError):
        return None


def upload_fail(*, upload_id: int) -> None:
    """A task crashed outside the paths above. The upload says so in its user's
    language; the error itself goes to the log (the task raises it), never onto
    the upload, where a database's own message would mean nothing to the user."""
    running = Upload.objects.filter(
        pk=upload_id, status__in=(UploadStatus.CHECKING, UploadStatus.IMPORTING)
    )
    upload = running.select_related("user").first()
    if upload is None:
        return
    with translation.override(upload.user.language):
        message = _(
            "The file could not be checked because of an error on our side, and nothing "
            "was written. The error has been logged; please try again later."
        )
    running.update(status=UploadStatus.FAILED, message=message, finished_at=timezone.now())
