"""An import that submits or validates the cases it writes (issue 20, section 4):
a national admin's choice on the upload, taken through the bulk workflow."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditAction, AuditEvent, Role
from accounts.services import api_key_create
from seizures.forms import UploadForm
from seizures.imports import service
from seizures.models import Case, CaseChange, CaseStatMonth, CaseStatus, Upload, UploadStatus
from seizures.services import bulk

from .statistics.test_summary import assert_summaries_agree_with_the_cases
from .uploads import as_file, case_rows, filled_template


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def imported(user, capture, *, workflow, rows=3):
    with translation.override("en"), capture(execute=True):
        upload = service.upload_create(
            user=user, file=as_file(filled_template(case_rows(rows))), workflow=workflow
        )
    with capture(execute=True):
        service.upload_confirm(upload=upload, user=user, existing="update")
    upload.refresh_from_db()
    assert upload.status == UploadStatus.DONE
    return upload


def test_an_import_leaves_its_cases_drafts_unless_asked(
    national_admin, django_capture_on_commit_callbacks
):
    upload = imported(national_admin, django_capture_on_commit_callbacks, workflow="draft")
    assert upload.workflow == "draft" and "workflow" not in upload.result
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.DRAFT}


def test_validate_on_import_validates_every_case_with_its_history_audit_and_statistics(
    national_admin, django_capture_on_commit_callbacks
):
    upload = imported(national_admin, django_capture_on_commit_callbacks, workflow="validate")
    cases = Case.objects.all()
    assert cases.count() == 3
    assert set(cases.values_list("status", flat=True)) == {CaseStatus.VALIDATED}
    assert upload.result["workflow"] == {"action": "validate", "changed": 3, "unchanged": []}
    case = cases.first()
    assert case.validated_by == national_admin
    history = list(
        CaseChange.objects.filter(case=case).order_by("pk").values_list("action", "comment")
    )
    assert [action for action, _comment in history] == ["created", "submitted", "validated"]
    assert history[-1][1] == "Bulk upload"
    validated = AuditEvent.objects.get(action=AuditAction.CASE_VALIDATED, object_id=str(case.pk))
    assert validated.details["upload"] == upload.pk and validated.actor == national_admin
    done = AuditEvent.objects.get(action=AuditAction.UPLOAD_IMPORTED)
    assert done.details["workflow"] == "validate" and done.details["changed"] == 3
    assert CaseStatMonth.objects.exists()
    assert_summaries_agree_with_the_cases()


def test_submit_on_import_submits_the_cases_and_counts_nothing_yet(
    national_admin, django_capture_on_commit_callbacks
):
    upload = imported(national_admin, django_capture_on_commit_callbacks, workflow="submit")
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.SUBMITTED}
    assert upload.result["workflow"]["changed"] == 3
    assert not CaseStatMonth.objects.exists()


def test_the_statistics_of_an_import_are_updated_once_not_per_case(
    national_admin, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    real = bulk.statistics_cases_add
    monkeypatch.setattr(
        bulk, "statistics_cases_add", lambda **kwargs: calls.append(kwargs) or real(**kwargs)
    )
    imported(national_admin, django_capture_on_commit_callbacks, workflow="validate", rows=4)
    assert len(calls) == 1 and len(calls[0]["case_ids"]) == 4
    assert_summaries_agree_with_the_cases()


def test_a_failing_step_on_import_writes_no_case(
    national_admin, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("statistics unavailable")

    monkeypatch.setattr(bulk, "statistics_cases_add", broken)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        upload = service.upload_create(
            user=national_admin, file=as_file(filled_template(case_rows(2))), workflow="validate"
        )
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        service.upload_confirm(upload=upload, user=national_admin, existing="update")
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert not Case.objects.exists()


def test_cases_the_validator_refuses_stay_as_they_are_with_the_reason(
    national_admin, django_capture_on_commit_callbacks, monkeypatch
):
    # As if the workflow refused to validate drafts: the import still writes them.
    monkeypatch.setitem(bulk.STEP_FROM, "validate", (CaseStatus.SUBMITTED,))
    upload = imported(national_admin, django_capture_on_commit_callbacks, workflow="validate")
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.DRAFT}
    unchanged = upload.result["workflow"]["unchanged"]
    assert sorted(item["reference"] for item in unchanged) == sorted(upload.result["created"])
    assert unchanged[0]["reason"] == "This case cannot change that way from its current status."


def test_an_uploader_no_longer_national_admin_at_import_leaves_drafts_and_says_why(
    national_admin, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        upload = service.upload_create(
            user=national_admin, file=as_file(filled_template(case_rows(2))), workflow="validate"
        )
    with django_capture_on_commit_callbacks(execute=True):
        service.upload_confirm(upload=upload, user=national_admin, existing="update")
        type(national_admin).objects.filter(pk=national_admin.pk).update(role=Role.OFFICER)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.DONE
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.DRAFT}
    assert upload.result["workflow"]["changed"] == 0
    assert upload.result["workflow"]["message"]


def test_only_a_national_admin_is_offered_the_choice(national_admin, officer):
    assert "workflow" in UploadForm(workflows=service.upload_workflows_for(national_admin)).fields
    assert "workflow" not in UploadForm(workflows=service.upload_workflows_for(officer)).fields
    assert service.upload_workflows_for(officer) == ["draft"]


def test_the_upload_page_takes_the_choice_and_shows_what_the_import_did(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    client = as_user(national_admin)
    assert b'name="workflow"' in client.get(reverse("seizures:upload-create")).content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("seizures:upload-create"),
            {"file": as_file(filled_template(case_rows(2))), "workflow": "validate"},
        )
    upload = Upload.objects.get()
    assert upload.workflow == "validate"
    page = client.get(upload.get_absolute_url()).content.decode()
    assert 'data-testid="upload-workflow"' in page and "Validate on import" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("seizures:upload-confirm", args=[upload.pk]), {"existing": "update"})
    page = client.get(upload.get_absolute_url()).content.decode()
    assert "2 cases created and 0 updated; 2 of them validated on import." in page


def test_an_unknown_choice_on_the_page_is_refused(as_user, national_admin):
    response = as_user(national_admin).post(
        reverse("seizures:upload-create"),
        {"file": as_file(filled_template(case_rows(1))), "workflow": "publish"},
    )
    assert response.status_code == 200 and response.context["form"].errors["workflow"]
    assert not Upload.objects.exists()


def test_the_service_refuses_the_step_to_an_api_key_of_someone_not_national_admin(
    national_admin,
):
    key, _secret = api_key_create(actor=national_admin, name="National system")
    type(national_admin).objects.filter(pk=national_admin.pk).update(role=Role.OFFICER)
    national_admin.refresh_from_db()
    with pytest.raises(service.PermissionDenied):
        service.upload_create(
            user=national_admin,
            file=as_file(filled_template(case_rows(1))),
            workflow="submit",
            api_key=key,
        )
    assert not Upload.objects.exists()


def test_the_api_takes_the_choice_from_a_national_admins_key(
    national_admin, client_factory, django_capture_on_commit_callbacks
):
    _key, secret = api_key_create(actor=national_admin, name="National system")
    api = client_factory()
    api.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {secret}"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api:upload-create"),
            {"file": as_file(filled_template(case_rows(2))), "workflow": "validate"},
        )
    assert response.status_code == 202 and response.json()["workflow"] == "validate"
    upload_id = response.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            reverse("api:upload-confirm", args=[upload_id]),
            {"existing": "update"},
            content_type="application/json",
        )
    state = api.get(reverse("api:upload-detail", args=[upload_id])).json()
    assert state["status"] == "done" and state["result"]["workflow"]["changed"] == 2
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.VALIDATED}


def test_the_api_refuses_the_choice_to_a_key_whose_owner_is_no_longer_national_admin(
    national_admin, client_factory
):
    _key, secret = api_key_create(actor=national_admin, name="National system")
    type(national_admin).objects.filter(pk=national_admin.pk).update(role=Role.OFFICER)
    api = client_factory()
    api.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {secret}"
    refused = api.post(
        reverse("api:upload-create"),
        {"file": as_file(filled_template(case_rows(1))), "workflow": "submit"},
    )
    assert refused.status_code == 403 and refused.json()["detail"]
    unknown = api.post(
        reverse("api:upload-create"),
        {"file": as_file(filled_template(case_rows(1))), "workflow": "publish"},
    )
    assert unknown.status_code == 400
    assert not Upload.objects.exists()
    drafts = api.post(
        reverse("api:upload-create"), {"file": as_file(filled_template(case_rows(1)))}
    )
    assert drafts.status_code == 202 and drafts.json()["workflow"] == "draft"
