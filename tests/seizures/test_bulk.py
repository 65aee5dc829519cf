"""Submit, validate or reject many cases at once (issue 20, section 4)."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from seizures.models import (
    BulkAction,
    BulkActionStatus,
    Case,
    CaseChange,
    CaseStatMonth,
    CaseStatus,
)
from seizures.services import bulk
from seizures.statistics.sql import CASE_KEY, CASE_MEASURES, DIMENSION_KEY, DIMENSION_MEASURES

from .statistics.test_summary import assert_summaries_agree_with_the_cases


@pytest.fixture
def french_cases(record, officer, make_case):
    """Two submitted cases, one draft, one with a route, all of France."""
    submitted = [
        record(
            officer,
            date=datetime.date(2025, 5, 1),
            quantity="120",
            more_lines=[("CIGARETTES", "50", "CARTON")],
            legs=[("departure", "EC"), ("destination", "FR")],
        ),
        record(officer, date=datetime.date(2025, 6, 2), quantity="3"),
    ]
    draft = make_case(officer, date=datetime.date(2025, 5, 20))
    return {"submitted": submitted, "draft": draft}


def _ids(*cases):
    return [case.pk for case in cases]


def test_bulk_validation_validates_drafts_and_submitted_cases_with_their_history(
    french_cases, national_admin
):
    cases = [*french_cases["submitted"], french_cases["draft"]]
    changed = bulk.cases_workflow_apply(
        user=national_admin, case_ids=_ids(*cases), action="validate"
    )
    assert changed == 3
    assert set(Case.objects.filter(pk__in=_ids(*cases)).values_list("status", flat=True)) == {
        CaseStatus.VALIDATED
    }
    draft = Case.objects.get(pk=french_cases["draft"].pk)
    assert draft.validated_by == national_admin and draft.submitted_at is not None
    changes = list(
        CaseChange.objects.filter(case=draft).order_by("pk").values_list("action", "changes")
    )
    assert changes[-2:] == [
        ("submitted", {"status": {"from": "draft", "to": "submitted"}}),
        ("validated", {"status": {"from": "submitted", "to": "validated"}}),
    ]
    audit = AuditEvent.objects.get(
        action="case.validated", object_id=str(draft.pk), actor=national_admin
    )
    assert audit.details == {"reference": draft.reference, "from": "submitted"}
    assert audit.object_type == "seizures.case" and audit.administration == draft.administration


def test_bulk_validation_keeps_the_summaries_equal_to_direct_counts(
    french_cases, national_admin, kenyan_officer, record
):
    record(kenyan_officer, date=datetime.date(2025, 5, 3), commodity="IVORY", quantity="300")
    bulk.cases_workflow_apply(
        user=national_admin,
        case_ids=_ids(*french_cases["submitted"], french_cases["draft"]),
        action="validate",
    )
    assert CaseStatMonth.objects.exists()
    assert_summaries_agree_with_the_cases()


def test_bulk_validation_adds_to_summaries_that_already_count_other_cases(
    french_cases, national_admin
):
    first, second = french_cases["submitted"]
    bulk.cases_workflow_apply(user=national_admin, case_ids=[first.pk], action="validate")
    bulk.cases_workflow_apply(
        user=national_admin, case_ids=[second.pk, french_cases["draft"].pk], action="validate"
    )
    assert_summaries_agree_with_the_cases()


def _summary_rows():
    from seizures.models import DimensionStatMonth

    return (
        set(CaseStatMonth.objects.values_list(*CASE_KEY, *CASE_MEASURES)),
        set(DimensionStatMonth.objects.values_list(*DIMENSION_KEY, *DIMENSION_MEASURES)),
    )


def test_bulk_validation_of_varied_cases_stores_what_a_full_rebuild_stores(
    record, officer, national_admin
):
    from seizures.models import ConcealmentMethod
    from seizures.statistics.summary import statistics_rebuild

    varied = [
        # Lines of three areas, two departures and destinations (four routes), a
        # country twice in transit, two concealment methods.
        record(
            officer,
            date=datetime.date(2025, 5, 1),
            quantity="120",
            more_lines=[("CIGARETTES", "50", "CARTON"), ("COCAINE", "500", "G")],
            legs=[
                ("departure", "EC"),
                ("departure", "CO"),
                ("transit", "PA"),
                ("transit", "PA"),
                ("destination", "FR"),
                ("destination", "BE"),
            ],
            concealment_methods=list(ConcealmentMethod.objects.order_by("pk")[:2]),
        ),
        record(officer, date=datetime.date(2025, 5, 20), quantity="3", legs=[("departure", "EC")]),
        record(
            officer,
            date=datetime.date(2025, 6, 2),
            commodity="CIGARETTES",
            quantity="10",
            unit="CARTON",
        ),
    ]
    bulk.cases_workflow_apply(user=national_admin, case_ids=_ids(*varied), action="validate")
    assert_summaries_agree_with_the_cases()
    added = _summary_rows()
    statistics_rebuild()
    assert _summary_rows() == added


def test_bulk_steps_leave_other_administrations_cases_alone(
    french_cases, kenyan_officer, record, national_admin
):
    kenyan = record(kenyan_officer, date=datetime.date(2025, 5, 3))
    changed = bulk.cases_workflow_apply(
        user=national_admin, case_ids=[kenyan.pk], action="validate"
    )
    assert changed == 0
    kenyan.refresh_from_db()
    assert kenyan.status == CaseStatus.SUBMITTED


def test_an_officer_may_submit_but_not_validate_many_cases(french_cases, officer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        bulk.cases_workflow_apply(
            user=officer, case_ids=_ids(*french_cases["submitted"]), action="validate"
        )
    assert (
        bulk.cases_workflow_apply(
            user=officer, case_ids=[french_cases["draft"].pk], action="submit"
        )
        == 1
    )


def test_a_failing_batch_writes_nothing_of_itself(french_cases, national_admin, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("statistics unavailable")

    monkeypatch.setattr(bulk, "statistics_cases_add", broken)
    ids = _ids(*french_cases["submitted"])
    with pytest.raises(RuntimeError):
        bulk.cases_workflow_apply(user=national_admin, case_ids=ids, action="validate")
    assert set(Case.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        CaseStatus.SUBMITTED
    }
    assert not CaseChange.objects.filter(case_id__in=ids, action="validated").exists()


def test_a_job_stopped_midway_keeps_its_committed_batches_and_goes_on_from_there(
    french_cases, national_admin, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk, "BATCH_SIZE", 1)
    cases = Case.objects.filter(administration=national_admin.administration)
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk.bulk_action_create(user=national_admin, action="validate", cases=cases)
    # The task ran eagerly on commit: every case is validated, one batch each.
    job.refresh_from_db()
    assert job.status == BulkActionStatus.DONE
    assert job.cases_done == 3 and job.cases_total == 3 and job.case_ids == []

    calls = {"n": 0}
    real = bulk.statistics_cases_add

    def fails_second_time(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker lost")
        real(**kwargs)

    Case.objects.filter(pk__in=cases.values("pk")).update(status=CaseStatus.SUBMITTED)
    from seizures.statistics.summary import statistics_rebuild

    statistics_rebuild()
    monkeypatch.setattr(bulk, "statistics_cases_add", fails_second_time)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        bulk.bulk_action_create(user=national_admin, action="validate", cases=cases)
    job = BulkAction.objects.latest("pk")
    assert job.status == BulkActionStatus.FAILED
    assert job.cases_done == 1 and len(job.case_ids) == 2
    assert Case.objects.filter(status=CaseStatus.VALIDATED).count() == 1

    monkeypatch.setattr(bulk, "statistics_cases_add", real)
    with django_capture_on_commit_callbacks(execute=True):
        bulk.bulk_action_retry(job=job, user=national_admin)
    job.refresh_from_db()
    assert job.status == BulkActionStatus.DONE and job.cases_done == 3
    assert Case.objects.filter(status=CaseStatus.VALIDATED).count() == 3
    assert_summaries_agree_with_the_cases()


def test_bulk_page_previews_the_counts_of_the_search_and_starts_the_job(
    french_cases, national_admin, as_user, django_capture_on_commit_callbacks
):
    client = as_user(national_admin)
    page = client.get(reverse("seizures:bulk-action-new"), {"date_from": "2025-05-01"})
    assert page.status_code == 200
    preview = page.context["preview"]
    assert preview["by_status"]["submitted"] == 2 and preview["by_status"]["draft"] == 1
    assert dict(page.context["steps"])["validate"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("seizures:bulk-action-new"),
            {"query": "date_from=2025-06-01", "action": "validate"},
        )
    job = BulkAction.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.cases_total == 1 and job.status == BulkActionStatus.DONE
    assert Case.objects.get(pk=french_cases["submitted"][1].pk).status == CaseStatus.VALIDATED
    assert Case.objects.filter(status=CaseStatus.VALIDATED).count() == 1
    detail = client.get(job.get_absolute_url())
    assert b'data-testid="bulk-done"' in detail.content


def test_rejecting_many_cases_needs_a_reason(
    french_cases, national_admin, as_user, django_capture_on_commit_callbacks
):
    client = as_user(national_admin)
    response = client.post(reverse("seizures:bulk-action-new"), {"query": "", "action": "reject"})
    assert response.status_code == 200 and not BulkAction.objects.exists()
    assert response.context["form"].errors["reason"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("seizures:bulk-action-new"),
            {"query": "", "action": "reject", "reason": "Quantities missing"},
        )
    rejected = Case.objects.filter(status=CaseStatus.REJECTED)
    assert rejected.count() == 2
    assert set(rejected.values_list("rejection_reason", flat=True)) == {"Quantities missing"}


def test_an_officer_is_offered_only_the_submit_step(french_cases, officer, as_user):
    client = as_user(officer)
    page = client.get(reverse("seizures:bulk-action-new"))
    assert [step for step, _count in page.context["steps"]] == ["submit"]
    client.post(reverse("seizures:bulk-action-new"), {"query": "", "action": "validate"})
    assert not BulkAction.objects.exists()


def test_analysts_and_wco_staff_cannot_open_the_bulk_page(db, make_user, france, as_user):
    analyst = make_user(france, Role.ANALYST)
    assert as_user(analyst).get(reverse("seizures:bulk-action-new")).status_code == 403


def test_another_users_job_is_a_404(french_cases, national_admin, make_user, france, client):
    from django.test import Client

    from tests.conftest import login_verified

    cases = Case.objects.filter(administration=national_admin.administration)
    job = bulk.bulk_action_create(user=national_admin, action="submit", cases=cases)
    other = login_verified(Client(), make_user(france, Role.NATIONAL_ADMIN))
    assert other.get(job.get_absolute_url()).status_code == 404
    retry = reverse("seizures:bulk-action-retry", args=[job.pk])
    assert other.post(retry).status_code == 404


def test_another_administrations_upload_cannot_choose_cases(
    french_cases, national_admin, make_user, kenya, as_user
):
    from seizures.models import Upload

    kenyan_admin = make_user(kenya, Role.NATIONAL_ADMIN)
    upload = Upload.objects.create(
        administration=kenya,
        user=kenyan_admin,
        original_name="x.csv",
        sha256="0" * 64,
        result={"created": [french_cases["draft"].reference]},
    )
    page = as_user(national_admin).get(reverse("seizures:bulk-action-new"), {"upload": upload.pk})
    assert page.status_code == 404


def test_an_uploads_cases_can_be_validated_from_its_page(
    french_cases, national_admin, as_user, django_capture_on_commit_callbacks
):
    from seizures.models import Upload

    upload = Upload.objects.create(
        administration=national_admin.administration,
        user=national_admin,
        original_name="x.csv",
        sha256="0" * 64,
        result={"created": [french_cases["draft"].reference], "updated": []},
    )
    client = as_user(national_admin)
    page = client.get(reverse("seizures:bulk-action-new"), {"upload": upload.pk})
    assert page.context["preview"]["total"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("seizures:bulk-action-new"), {"upload": upload.pk, "action": "validate"}
        )
    assert Case.objects.get(pk=french_cases["draft"].pk).status == CaseStatus.VALIDATED
    assert Case.objects.filter(status=CaseStatus.VALIDATED).count() == 1


def test_a_bulk_job_that_never_reached_a_worker_is_sent_again_by_the_sweep(
    french_cases, national_admin, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from seizures.services.sweep import queued_work_sweep

    cases = Case.objects.filter(administration=national_admin.administration)
    # Created without its task: as if the broker had been down.
    job = bulk.bulk_action_create(user=national_admin, action="submit", cases=cases)
    assert job.status == BulkActionStatus.QUEUED
    BulkAction.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        assert queued_work_sweep() == 1
    job.refresh_from_db()
    assert job.status == BulkActionStatus.DONE and job.cases_done == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert queued_work_sweep() == 0


def test_the_worker_knows_the_bulk_task():
    # A worker reads seizures.tasks; the task itself lives beside its service.
    from cen_suite.celery import app

    app.loader.import_default_modules()
    assert "seizures.services.bulk.run_bulk_action" in app.tasks


def test_an_upload_id_that_is_not_a_number_is_a_404(db, national_admin, as_user):
    page = as_user(national_admin).get(reverse("seizures:bulk-action-new"), {"upload": "x"})
    assert page.status_code == 404
