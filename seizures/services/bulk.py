"""One workflow step on many cases at once: submit, validate or reject every chosen
case of an administration (a search result or an upload's cases).

The user chooses the cases on the bulk page (views/bulk.py), sees how many each
step would change, and confirms: ``bulk_action_create`` records the chosen case
ids on a ``BulkAction`` row and queues ``run_bulk_action`` (a job the
broker never received is sent again by the sweep, services/sweep.py), which
calls ``bulk_action_run``. That takes the cases a batch at a time: each batch is
written whole or not at all by ``cases_workflow_apply`` — the status changes
with set-based UPDATEs, the history and the audit log with bulk inserts, and the
statistics summaries once per batch (``statistics_cases_add``), not once per
case. An import applies the same step to the cases it writes, inside its own
transaction (imports/service.py).
"""

from celery import shared_task
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Value
from django.db.models.functions import JSONObject
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AuditAction, Role, User
from accounts.services import audit_event_create, audit_events_create_for
from cen_suite.queueing import task_enqueue_on_commit
from cen_suite.rows import rows_insert_from

from ..models import (
    BulkAction,
    BulkActionKind,
    BulkActionStatus,
    Case,
    CaseAction,
    CaseChange,
    CaseStatus,
    Upload,
)
from ..statistics.sql import among
from ..statistics.summary import statistics_cases_add

# Cases per batch (one transaction each). Larger batches share more summary rows
# (cases of the same month, route and commodity), which is most of the time.
BATCH_SIZE = 5000

# The statuses each step takes a case from. A national admin validates a draft in
# one step: it is submitted and validated, both recorded in its history.
STEP_FROM = {
    BulkActionKind.SUBMIT: (CaseStatus.DRAFT, CaseStatus.REJECTED),
    BulkActionKind.VALIDATE: (CaseStatus.DRAFT, CaseStatus.REJECTED, CaseStatus.SUBMITTED),
    BulkActionKind.REJECT: (CaseStatus.SUBMITTED,),
}
STEP_ROLES = {
    BulkActionKind.SUBMIT: (Role.OFFICER, Role.NATIONAL_ADMIN),
    BulkActionKind.VALIDATE: (Role.NATIONAL_ADMIN,),
    BulkActionKind.REJECT: (Role.NATIONAL_ADMIN,),
}


def bulk_steps_for(user: User) -> list[str]:
    """The steps ``user`` may take on many of their administration's cases."""
    return [step for step, roles in STEP_ROLES.items() if user.role in roles]


def _check_step(user: User, action: str) -> None:
    if action not in bulk_steps_for(user):
        raise PermissionDenied


STEP_RECORDS = {
    CaseStatus.SUBMITTED: (CaseAction.SUBMITTED, AuditAction.CASE_SUBMITTED),
    CaseStatus.VALIDATED: (CaseAction.VALIDATED, AuditAction.CASE_VALIDATED),
    CaseStatus.REJECTED: (CaseAction.REJECTED, AuditAction.CASE_REJECTED),
}


def _step_move(cases, *, user: User, to: str, now, comment: str, details: dict, **updates):
    """Move ``cases`` (a queryset) to ``to``: first their history entries and audit
    rows, each from the status the case holds, with one ``INSERT … SELECT`` each,
    then the status with one ``UPDATE``."""
    case_action, audit_action = STEP_RECORDS[to]
    history = cases.order_by("pk").annotate(
        h_case=F("pk"),
        h_user=Value(user.pk),
        h_at=Value(now),
        h_action=Value(case_action.value),
        h_changes=JSONObject(status=JSONObject(**{"from": F("status"), "to": Value(to)})),
        h_comment=Value(comment),
    )
    fields = {
        "case": "h_case",
        "user": "h_user",
        "at": "h_at",
        "action": "h_action",
        "changes": "h_changes",
        "comment": "h_comment",
    }
    rows_insert_from(model=CaseChange, queryset=history.values(*fields.values()), fields=fields)
    audit_events_create_for(
        action=audit_action,
        actor=user,
        targets=cases,
        details={"reference": F("reference"), "from": F("status"), **details},
    )
    cases.update(status=to, updated_at=now, **updates)


@transaction.atomic
def cases_workflow_apply(
    *,
    user: User,
    case_ids: list[int],
    action: str,
    reason: str = "",
    comment: str = "",
    details: dict | None = None,
) -> int:
    """Take ``action`` on those of ``case_ids`` that belong to the user's
    administration and are in a status it applies to; the others are left as they
    are. All or nothing. ``comment`` goes into each case's history (a rejection's
    is its reason), ``details`` into each audit row. Returns how many cases changed."""
    _check_step(user, action)
    if action == BulkActionKind.REJECT and not reason.strip():
        raise PermissionDenied(_("Give the reason for the rejection."))
    locked = list(
        Case.objects.select_for_update()
        .filter(
            pk__in=among(case_ids),
            administration_id=user.administration_id,
            status__in=STEP_FROM[action],
        )
        .order_by("pk")
        .values_list("pk", "status")
    )
    if not locked:
        return 0
    now = timezone.now()
    ids = [pk for pk, _status in locked]
    step = {"user": user, "now": now, "comment": comment, "details": details or {}}
    unsubmitted = [pk for pk, status in locked if status != CaseStatus.SUBMITTED]
    if action in (BulkActionKind.SUBMIT, BulkActionKind.VALIDATE) and unsubmitted:
        cases = Case.objects.filter(pk__in=among(unsubmitted))
        _step_move(cases, to=CaseStatus.SUBMITTED, submitted_at=now, **step)
    cases = Case.objects.filter(pk__in=among(ids))
    if action == BulkActionKind.VALIDATE:
        _step_move(
            cases,
            to=CaseStatus.VALIDATED,
            validated_by=user,
            validated_at=now,
            rejection_reason="",
            **step,
        )
        statistics_cases_add(case_ids=ids)
    elif action == BulkActionKind.REJECT:
        _step_move(
            cases, to=CaseStatus.REJECTED, rejection_reason=reason, **{**step, "comment": reason}
        )
    return len(ids)


# --- Choosing the cases --------------------------------------------------------------


def bulk_candidates(*, user: User, filters: dict | None = None, upload: Upload | None = None):
    """The user's administration's cases chosen by a search's filters (whatever its
    status filter says, within the administration) or written by an upload."""
    from ..search.query import case_search

    own = Case.objects.filter(administration_id=user.administration_id)
    if upload is not None:
        result = upload.result or {}
        references = [*result.get("created", []), *result.get("updated", [])]
        return own.filter(reference__in=references)
    filters = filters or {}
    statuses = [filters["status"]] if filters.get("status") else list(CaseStatus.values)
    chosen = own.none()
    for status in statuses:
        matching = case_search(user=user, filters={**filters, "status": status})
        chosen |= own.filter(pk__in=matching.order_by().values("pk"))
    return chosen


def bulk_preview(cases) -> dict:
    """How many of ``cases`` are in each status, and how many each step would change."""
    by_status = dict.fromkeys(CaseStatus.values, 0)
    for row in cases.order_by().values("status").annotate(n=Count("pk")):
        by_status[row["status"]] = row["n"]
    changes = {
        step: sum(by_status[status] for status in statuses) for step, statuses in STEP_FROM.items()
    }
    return {"by_status": by_status, "changes": changes, "total": sum(by_status.values())}


# --- The job ---------------------------------------------------------------------


@transaction.atomic
def bulk_action_create(
    *,
    user: User,
    action: str,
    cases,
    reason: str = "",
    query: str = "",
    upload: Upload | None = None,
    request: HttpRequest | None = None,
) -> BulkAction:
    """Record the chosen cases to which ``action`` applies and queue the job."""
    _check_step(user, action)
    if action == BulkActionKind.REJECT and not reason.strip():
        raise PermissionDenied(_("Give the reason for the rejection."))
    ids = list(
        cases.filter(status__in=STEP_FROM[action]).order_by("pk").values_list("pk", flat=True)
    )
    job = BulkAction.objects.create(
        administration=user.administration,
        user=user,
        action=action,
        reason=reason.strip(),
        query=query,
        upload=upload,
        case_ids=ids,
        cases_total=len(ids),
    )
    audit_event_create(
        action=AuditAction.CASE_BULK_REQUESTED,
        request=request,
        actor=user,
        target=job,
        details={
            "action": action,
            "cases": len(ids),
            "query": query,
            "upload": upload and upload.pk,
        },
    )
    task_enqueue_on_commit(run_bulk_action, job.pk)
    return job


def bulk_action_run(*, job: BulkAction) -> BulkAction:
    """Take the job's step on its remaining cases, a batch at a time; each batch
    commits whole with the job's progress, so that a job stopped midway (a
    failure, a killed worker) goes on from the first batch not written. Running a
    finished job again changes nothing."""
    if job.status in (BulkActionStatus.DONE, BulkActionStatus.FAILED):
        return job
    BulkAction.objects.filter(pk=job.pk).update(
        status=BulkActionStatus.RUNNING, progress_at=timezone.now()
    )
    user = job.user
    while True:
        with transaction.atomic():
            job = BulkAction.objects.select_for_update().get(pk=job.pk)
            if job.status != BulkActionStatus.RUNNING:
                return job
            batch, rest = job.case_ids[:BATCH_SIZE], job.case_ids[BATCH_SIZE:]
            if not batch:
                job.status, job.finished_at = BulkActionStatus.DONE, timezone.now()
                job.save(update_fields=["status", "finished_at"])
                return job
            changed = cases_workflow_apply(
                user=user,
                case_ids=batch,
                action=job.action,
                reason=job.reason,
                details={"bulk_action": job.pk},
            )
            job.case_ids = rest
            job.cases_done += changed
            job.cases_skipped += len(batch) - changed
            job.progress_at = timezone.now()
            job.save(update_fields=["case_ids", "cases_done", "cases_skipped", "progress_at"])


def bulk_action_fail(*, job_id: int, error: Exception) -> None:
    """The batch being written was rolled back; those before it stay written."""
    job = BulkAction.objects.select_related("user").get(pk=job_id)
    with translation.override(job.user.language):
        if isinstance(error, PermissionDenied):
            message = _("You may no longer take this step on these cases.")
        else:
            message = _(
                "The job stopped: the cases not yet changed were left as they were. "
                "Try again, or contact your administrator."
            )
    BulkAction.objects.filter(pk=job_id).update(
        status=BulkActionStatus.FAILED, message=message, finished_at=timezone.now()
    )


@transaction.atomic
def bulk_action_retry(*, job: BulkAction, user: User) -> BulkAction:
    """Go on with the cases a failed job did not reach."""
    job = BulkAction.objects.select_for_update().get(pk=job.pk)
    if job.user_id != user.pk or job.status != BulkActionStatus.FAILED or not job.case_ids:
        raise PermissionDenied(_("This job cannot be tried again."))
    job.status, job.message, job.finished_at = BulkActionStatus.QUEUED, "", None
    job.save(update_fields=["status", "message", "finished_at"])
    task_enqueue_on_commit(run_bulk_action, job.pk)
    return job


# Delivered again if the worker is lost midway: the job goes on from the first
# batch it had not committed.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_bulk_action(job_id: int):
    job = BulkAction.objects.filter(pk=job_id).select_related("user").first()
    if job is None:
        return
    try:
        bulk_action_run(job=job)
    except Exception as error:
        bulk_action_fail(job_id=job_id, error=error)
        raise
