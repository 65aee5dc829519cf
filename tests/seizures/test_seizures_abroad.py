"""A member reports its own seizures: one made in another country needs the
reason why its administration reports it, through every way in (the validator,
the entry forms, the upload, the API)."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.services import api_key_create
from seizures.imports import service
from seizures.models import AbroadReason, Case, UploadStatus
from seizures.validation import case_validate

from .test_cases import full_form
from .test_minimal_data import payload
from .uploads import CASE_ROW, as_file, filled_template

REFUSAL = (
    "Your administration reports the seizures made in France. For a seizure made in "
    "Kenya, give the reason for reporting a seizure abroad."
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_seizure_abroad_without_a_reason_is_refused_with_the_rule(france, vocab):
    with translation.override("en"):
        data, errors = case_validate(payload=payload(vocab, country="KE"), administration=france)
    assert data is None
    assert errors == {"country": [REFUSAL]}


def test_a_seizure_abroad_with_a_reason_is_accepted(france, vocab):
    data, errors = case_validate(
        payload=payload(vocab, country="KE", abroad_reason=AbroadReason.JOINT_OPERATION),
        administration=france,
    )
    assert errors == {}
    assert data.fields["abroad_reason"] == AbroadReason.JOINT_OPERATION


def test_a_seizure_at_home_keeps_no_reason_for_abroad(france, vocab):
    data, errors = case_validate(
        payload=payload(vocab, abroad_reason=AbroadReason.ON_BEHALF), administration=france
    )
    assert errors == {}
    assert data.fields["abroad_reason"] == ""


def test_the_full_form_refuses_then_accepts_a_seizure_abroad(as_user, officer, vocab):
    client = as_user(officer)
    response = client.post(reverse("seizures:case-create"), full_form(vocab, country="KE"))
    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert not Case.objects.exists()
    response = client.post(
        reverse("seizures:case-create"),
        full_form(vocab, country="KE", abroad_reason=AbroadReason.OFFICERS_ABROAD),
    )
    case = Case.objects.get()
    assert response.url == case.get_absolute_url()
    assert case.abroad_reason == AbroadReason.OFFICERS_ABROAD
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Seized by our officers posted abroad" in page


def test_the_simplified_form_refuses_a_seizure_abroad_without_a_reason(as_user, officer, vocab):
    data = {
        "seizure_date": "2026-02-01",
        "country": "KE",
        "commodity_type": vocab.cigarettes.pk,
        "quantity": "5",
        "unit": vocab.carton.pk,
        "transport_mode": vocab.transport.pk,
        "detection_method": vocab.detection.pk,
    }
    client = as_user(officer)
    response = client.post(reverse("seizures:case-create-simple"), data)
    assert REFUSAL in response.content.decode() and not Case.objects.exists()
    data["abroad_reason"] = AbroadReason.ON_ARRIVAL
    client.post(reverse("seizures:case-create-simple"), data)
    assert Case.objects.get().abroad_reason == AbroadReason.ON_ARRIVAL


def test_an_upload_names_the_rule_in_the_country_cell_and_takes_the_reason_column(
    national_admin, django_capture_on_commit_callbacks
):
    rows = [
        {**CASE_ROW, "national_reference": "FR-ABROAD-1", "country": "Kenya"},
        {
            **CASE_ROW,
            "national_reference": "FR-ABROAD-2",
            "country": "KE",
            "abroad_reason": "Joint operation with that country",
        },
    ]
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        upload = service.upload_create(user=national_admin, file=as_file(filled_template(rows)))
    upload.refresh_from_db()
    assert upload.status == UploadStatus.INVALID
    assert [(error["row"], error["column"], error["message"]) for error in upload.errors] == [
        (2, "Country of seizure", REFUSAL)
    ]
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        upload = service.upload_create(
            user=national_admin, file=as_file(filled_template(rows[1:]), name="fixed.xlsx")
        )
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING, upload.errors


def test_the_api_refuses_then_accepts_a_seizure_abroad(client_factory, national_admin):
    _key, secret = api_key_create(actor=national_admin, name="National seizure system")
    client = client_factory()
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {secret}"
    case = {
        "national_reference": "FR-API-ABROAD",
        "seizure_date": "2026-03-14",
        "country": "KE",
        "transport_mode": "AIR_PASSENGER",
        "detection_method": "DETECTOR_DOG",
        "lines": [{"commodity_type": "COCAINE", "quantity": "1", "unit": "KG"}],
    }
    url = reverse("api:case-create")
    refused = client.post(url, json.dumps(case), content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["errors"] == {"country": [REFUSAL]}
    accepted = client.post(
        url,
        json.dumps({**case, "abroad_reason": "joint_operation"}),
        content_type="application/json",
    )
    assert accepted.status_code == 201, accepted.content
    body = client.get(reverse("api:case-detail", args=[accepted.json()["reference"]])).json()
    assert body["abroad_reason"] == "joint_operation"
