"""The automatic upload API: API keys, batches all or nothing, idempotency, reads."""

import json

import pytest
from django.urls import reverse

from accounts.models import ApiKey, AuditAction, AuditEvent, AuditOutcome, Role, hash_api_key
from accounts.services import api_key_create, api_key_revoke
from seizures.api.auth import ApiKeyRateThrottle
from seizures.models import Case, CaseSource, UploadStatus

from .uploads import CASE_ROW, as_file, filled_template


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def key(national_admin):
    return api_key_create(actor=national_admin, name="National seizure system")


@pytest.fixture
def api(client_factory, key):
    client = client_factory()
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key[1]}"
    return client


def post(client, name, body):
    return client.post(reverse(name), json.dumps(body), content_type="application/json")


def case_json(reference="FR-API-1", **changes):
    return {
        "national_reference": reference,
        "seizure_date": "2026-03-14",
        "country": "FR",
        "transport_mode": "AIR_PASSENGER",
        "detection_method": "chien detecteur",
        "concealment_methods": ["IN_LUGGAGE"],
        "lines": [{"commodity_type": "COCAINE", "quantity": "12.5", "unit": "KG"}],
        "route": [{"kind": "departure", "country": "CO"}, {"kind": "destination", "country": "FR"}],
        "offenders": [{"role": "courier", "nationality": "CO"}],
        **changes,
    }


def test_a_key_is_shown_once_and_stored_hashed(key):
    api_key, secret = key
    assert secret.startswith(f"cen_{api_key.prefix}_")
    stored = ApiKey.objects.get()
    assert stored.key_hash == hash_api_key(secret) and secret not in str(stored.__dict__)


def test_a_batch_creates_every_case(api, national_admin):
    response = post(
        api,
        "api:case-batch",
        {"cases": [case_json("FR-API-1"), case_json("FR-API-2", narrative="In a suitcase")]},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [c["national_reference"] for c in body["created"]] == ["FR-API-1", "FR-API-2"]
    case = Case.objects.get(national_reference="FR-API-2")
    assert case.source == CaseSource.API and case.created_by == national_admin
    assert [leg.country.code for leg in case.route_legs.all()] == ["CO", "FR"]
    assert "suitcase" in case.search_text and case.quality_score > 0
    assert AuditEvent.objects.filter(action=AuditAction.CASE_CREATED).count() == 2


def test_sending_a_case_again_updates_it(api):
    first = post(api, "api:case-create", case_json())
    assert first.status_code == 201
    again = post(api, "api:case-create", case_json(narrative="Corrected"))
    assert again.status_code == 200
    assert again.json()["reference"] == first.json()["reference"]
    assert Case.objects.get().narrative == "Corrected"


def test_a_batch_with_one_bad_case_writes_nothing_and_names_it(api):
    bad = case_json(
        "FR-BAD", lines=[{"commodity_type": "UNOBTAINIUM", "quantity": "x", "unit": "KG"}]
    )
    response = post(api, "api:case-batch", {"cases": [case_json("FR-OK"), bad]})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["index"] == 1 and error["national_reference"] == "FR-BAD"
    assert set(error["errors"]) == {"lines-0-commodity_type", "lines-0-quantity"}
    assert not Case.objects.exists()


def test_validator_errors_come_back_too(api):
    response = post(api, "api:case-create", case_json(seizure_date="2099-01-01"))
    assert response.status_code == 400
    assert "seizure_date" in response.json()["errors"][0]["errors"]


def test_a_key_of_one_administration_cannot_read_or_write_anothers_drafts(
    api, make_user, kenya, record, make_case
):
    import datetime

    kenyan = make_user(kenya, Role.OFFICER)
    draft = make_case(kenyan)
    draft.national_reference = "KE-1"
    draft.save()
    assert api.get(reverse("api:case-detail", args=[draft.reference])).status_code == 404
    submitted = record(kenyan, date=datetime.date(2026, 3, 2), commodity="IVORY")
    assert api.get(reverse("api:case-detail", args=[submitted.reference])).status_code == 200

    response = post(api, "api:case-create", case_json("KE-1", narrative="Mine"))
    assert response.status_code == 201
    draft.refresh_from_db()
    assert draft.narrative == "" and draft.administration == kenya


def test_a_case_is_read_back(api):
    reference = post(api, "api:case-create", case_json()).json()["reference"]
    body = api.get(reverse("api:case-detail", args=[reference])).json()
    assert body["national_reference"] == "FR-API-1"
    assert body["lines"][0]["commodity_type"] == "COCAINE"
    assert body["route"][0] == {"kind": "departure", "country": "CO", "place": ""}


def test_revoked_and_wrong_keys_are_refused_and_audited(client_factory, key, national_admin):
    client = client_factory()
    client.defaults["HTTP_AUTHORIZATION"] = "Api-Key cen_00000000_nope"
    assert post(client, "api:case-create", case_json()).status_code == 401
    assert AuditEvent.objects.filter(
        action=AuditAction.API_CALL, outcome=AuditOutcome.DENIED
    ).exists()
    api_key_revoke(actor=national_admin, key=key[0])
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key[1]}"
    assert post(client, "api:case-create", case_json()).status_code == 401
    assert not Case.objects.exists()


def test_a_disabled_creator_disables_the_key(api, national_admin):
    national_admin.is_active = False
    national_admin.save()
    assert post(api, "api:case-create", case_json()).status_code == 401


def test_every_call_is_audited_and_the_key_shows_its_last_use(api, key):
    post(api, "api:case-create", case_json())
    event = AuditEvent.objects.filter(action=AuditAction.API_CALL).get()
    assert event.details["status"] == 201 and event.details["key"] == key[0].prefix
    key[0].refresh_from_db()
    assert key[0].last_used_at is not None


def test_calls_are_rate_limited(api, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "2/minute"})
    url = reverse("api:case-detail", args=["CEN-NONE"])
    assert [api.get(url).status_code for _ in range(3)] == [404, 404, 429]


def test_a_spreadsheet_is_uploaded_polled_and_confirmed(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api:upload-create"), {"file": as_file(filled_template([CASE_ROW]))}
        )
    assert response.status_code == 202
    upload_id = response.json()["id"]
    state = api.get(reverse("api:upload-detail", args=[upload_id])).json()
    assert state["status"] == UploadStatus.AWAITING and state["summary"]["cases_new"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api:upload-confirm", args=[upload_id]),
            json.dumps({"existing": "update"}),
            content_type="application/json",
        )
    assert response.status_code == 202
    state = api.get(reverse("api:upload-detail", args=[upload_id])).json()
    assert state["status"] == UploadStatus.DONE and len(state["result"]["created"]) == 1
    assert Case.objects.get().source == CaseSource.API


def test_an_upload_of_validated_cases_ends_with_nothing_to_import(
    api, national_admin, django_capture_on_commit_callbacks
):
    from seizures import services

    def upload():
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                reverse("api:upload-create"), {"file": as_file(filled_template([CASE_ROW]))}
            )
        return api.get(reverse("api:upload-detail", args=[response.json()["id"]])).json()

    first = upload()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            reverse("api:upload-confirm", args=[first["id"]]),
            json.dumps({"existing": "update"}),
            content_type="application/json",
        )
    case = services.case_submit(user=national_admin, case=Case.objects.get())
    services.case_validate(user=national_admin, case=case)
    state = upload()
    assert state["status"] == UploadStatus.DONE and state["summary"]["cases_locked"] == 1
    assert state["message"] == "Nothing to import: every case in this file is already validated."
    assert state["result"] == {"created": [], "updated": []}
    confirm = api.post(
        reverse("api:upload-confirm", args=[state["id"]]),
        json.dumps({"existing": "update"}),
        content_type="application/json",
    )
    assert confirm.status_code == 409


def test_another_administrations_upload_is_404(
    api, make_user, kenya, django_capture_on_commit_callbacks
):
    from seizures.imports import service

    admin = make_user(kenya, Role.NATIONAL_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        upload = service.upload_create(user=admin, file=as_file(filled_template([CASE_ROW])))
    assert api.get(reverse("api:upload-detail", args=[upload.pk])).status_code == 404
    assert api.post(reverse("api:upload-confirm", args=[upload.pk])).status_code == 404


def test_the_schema_validates_and_its_page_renders_under_the_csp(as_user, officer):
    from openapi_spec_validator import validate

    client = as_user(officer)
    schema = client.get(reverse("api:schema"), {"format": "json"})
    assert schema.status_code == 200
    document = json.loads(schema.content)
    validate(document)
    assert "/api/v1/cases/batch/" in document["paths"]

    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html and "<style" not in html and "style=" not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    for src in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/static/drf_spectacular_sidecar/swagger-ui-dist/{src}" in html
    script = client.get(reverse("api:docs"), {"script": ""})
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


def test_national_admins_manage_their_keys(as_user, national_admin, officer, make_user, kenya):
    client = as_user(national_admin)
    page = client.post(reverse("accounts:api-key-list"), {"name": "Customs ERP"}).content.decode()
    key = ApiKey.objects.get()
    assert "cen_" + key.prefix in page and "never be shown again" in page
    assert "cen_" + key.prefix + "_" not in client.get(
        reverse("accounts:api-key-list")
    ).content.decode().replace(f"cen_{key.prefix}_…", "")
    client.post(reverse("accounts:api-key-revoke", args=[key.pk]))
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.API_KEY_REVOKED).exists()

    other = api_key_create(actor=make_user(kenya, Role.NATIONAL_ADMIN), name="KE")[0]
    assert client.post(reverse("accounts:api-key-revoke", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    assert as_user(officer).get(reverse("accounts:api-key-list")).status_code == 403


@pytest.mark.parametrize(
    ("changes", "field", "label"),
    [
        ({"national_reference": "FR\x00API"}, "national_reference", "National reference"),
        ({"place": "Roissy\x00"}, "place", "Place"),
        ({"transport_mode": "AIR\x00"}, "transport_mode", "Transport mode"),
        ({"concealment_methods": ["IN_LUGGAGE", "\x00"]}, "concealment_methods", None),
        (
            {"lines": [{"commodity_type": "COCAINE", "quantity": "1", "unit": "KG\x00"}]},
            "lines-0-unit",
            "Unit",
        ),
        ({"route": [{"kind": "departure", "country": "C\x00O"}]}, "route-0-country", "Country"),
    ],
)
def test_a_null_character_in_a_field_is_a_validation_error_naming_it(api, changes, field, label):
    response = post(api, "api:case-create", case_json(**changes))
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert list(error["errors"]) == [field]
    [message] = error["errors"][field]
    assert "contains a null character (U+0000)" in message
    if label:
        assert message.startswith(f"“{label}”")
    assert not Case.objects.exists()


@pytest.mark.parametrize("body", [0, [], "x", None])
def test_confirming_with_a_body_that_is_not_an_object_imports_as_the_default(
    api, body, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api:upload-create"), {"file": as_file(filled_template([CASE_ROW]))}
        )
    url = reverse("api:upload-confirm", args=[response.json()["id"]])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 202, response.content
    assert Case.objects.count() == 1


@pytest.mark.parametrize("path", ["/cases/%00/", "/cases/FR%00X/edit/", "/api/v1/cases/%00/"])
def test_a_null_character_in_a_case_reference_is_a_404(as_user, api, national_admin, path):
    client = api if path.startswith("/api/") else as_user(national_admin)
    assert client.get(path).status_code == 404
    if path.startswith("/api/"):
        call = AuditEvent.objects.filter(action=AuditAction.API_CALL).latest("pk")
        assert call.details["path"] == "/api/v1/cases/\ufffd/"


def _schema(as_user, officer):
    return json.loads(as_user(officer).get(reverse("api:schema"), {"format": "json"}).content)


@pytest.mark.parametrize(
    "path, method, statuses",
    [
        ("/api/v1/cases/", "post", {"200", "201", "400", "401", "415", "429"}),
        ("/api/v1/cases/batch/", "post", {"200", "400", "401", "415", "429"}),
        ("/api/v1/cases/{reference}/", "get", {"200", "401", "404", "429"}),
        ("/api/v1/uploads/", "post", {"202", "400", "401", "403", "404", "415", "429"}),
        ("/api/v1/uploads/{id}/", "get", {"200", "400", "401", "404", "429"}),
        (
            "/api/v1/uploads/{id}/conventions/",
            "post",
            {"202", "400", "401", "404", "409", "415", "429"},
        ),
        (
            "/api/v1/uploads/{id}/confirm/",
            "post",
            {"202", "400", "401", "404", "409", "415", "429"},
        ),
    ],
)
def test_the_schema_documents_every_status_an_endpoint_answers(
    as_user, officer, path, method, statuses
):
    responses = _schema(as_user, officer)["paths"][path][method]["responses"]
    assert set(responses) == statuses
    for code in statuses - {"200", "201", "202"}:
        body = responses[code]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/Error"}


def test_every_error_answer_has_the_documented_shape(api, client_factory):
    answers = [
        post(api, "api:case-create", case_json(seizure_date="")),
        post(api, "api:case-batch", {"cases": []}),
        api.post(reverse("api:case-create"), "{", content_type="application/json"),
        api.post(reverse("api:case-create"), "x", content_type="text/plain"),
        api.post(reverse("api:upload-create"), {}),
        api.get(reverse("api:case-detail", args=["FR-NONE"])),
        api.get(reverse("api:upload-detail", args=[999999])),
        client_factory().get(reverse("api:case-detail", args=["FR-NONE"])),
    ]
    assert [answer.status_code for answer in answers] == [400, 400, 400, 415, 400, 404, 404, 401]
    for answer in answers:
        body = answer.json()
        assert isinstance(body["detail"], str) and body["detail"]
        assert set(body) <= {"detail", "errors"}
        for error in body.get("errors", []):
            assert set(error) == {"index", "national_reference", "errors"}


@pytest.mark.parametrize(
    "path", ["/api/v1/uploads/-235/", "/api/v1/nothing/", "/api/v1/cases/a/b/"]
)
def test_an_unknown_api_path_is_a_json_404(api, client_factory, path):
    for method in (api.get, api.post, api.delete):
        response = method(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]
    assert client_factory().get(path).status_code == 401
