"""Bulk upload: template → upload → check and preview → confirm → import."""

import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditAction, AuditEvent, Role
from seizures import services
from seizures.imports import mapping, service
from seizures.models import Case, CaseChange, CaseSource, CommodityType, Upload, UploadStatus
from seizures.validation import case_validate

from .uploads import CASE_ROW, as_file, case_rows, filled_template


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload_file(user, content, capture, name="cases.xlsx"):
    # The request's language is active when a page calls the service.
    with translation.override("en"), capture(execute=True):
        upload = service.upload_create(user=user, file=as_file(content, name))
    upload.refresh_from_db()
    return upload


def confirm(upload, user, capture, existing="update"):
    with capture(execute=True):
        service.upload_confirm(upload=upload, user=user, existing=existing)
    upload.refresh_from_db()
    return upload


def full_row(**changes):
    return {
        **CASE_ROW,
        "place": "Roissy",
        "concealment_methods": "IN_LUGGAGE; ON_BODY",
        "departure": "CO",
        "transit": "PA; ES",
        "destination": "FR",
        "narrative": "Hidden in banana boxes",
        "estimated_value": "1 250,50",
        "currency": "eur",
        **changes,
    }


def test_a_template_filled_by_openpyxl_round_trips_to_the_same_cases(
    national_admin, django_capture_on_commit_callbacks
):
    rows = [
        full_row(),
        {
            "national_reference": "FR-1",
            "commodity_type": "CANNABIS_RESIN",
            "quantity": 3,
            "unit": "KG",
        },
    ]
    offenders = [
        {
            "national_reference": "FR-1",
            "role": "courier",
            "nationality": "CO",
            "gender": "male",
            "age_range": "26-35",
        }
    ]
    upload = upload_file(
        national_admin, filled_template(rows, offenders), django_capture_on_commit_callbacks
    )
    assert upload.errors == [] and upload.status == UploadStatus.AWAITING, upload.message
    assert upload.summary["cases_new"] == 1 and upload.summary["lines_new"] == 2
    assert upload.summary["areas"]["DRUGS"]["lines"] == 2
    confirm(upload, national_admin, django_capture_on_commit_callbacks)
    assert upload.status == UploadStatus.DONE

    case = Case.objects.get(national_reference="FR-1")
    assert upload.result["created"] == [case.reference]
    assert case.source == CaseSource.UPLOAD and case.created_by == national_admin
    assert [leg.country.code for leg in case.route_legs.all()] == ["CO", "PA", "ES", "FR"]
    assert {m.code for m in case.concealment_methods.all()} == {"IN_LUGGAGE", "ON_BODY"}
    lines = list(case.lines.order_by("id"))
    assert str(lines[0].quantity) == "12.500" and str(lines[0].normalised_quantity) == "12.500000"
    assert str(lines[0].estimated_value) == "1250.50" and lines[0].currency == "EUR"
    assert case.offenders.get().role == "courier"
    assert CaseChange.objects.filter(case=case, action="created").exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_CREATED, object_id=str(case.pk)
    ).exists()
    assert AuditEvent.objects.filter(action=AuditAction.UPLOAD_IMPORTED).exists()

    # The derived fields are exactly what the entry form's path writes.
    payload = {
        "national_reference": "FR-2",
        "seizure_date": "2026-03-14",
        "country": "FR",
        "place": "Roissy",
        "transport_mode": case.transport_mode_id,
        "detection_method": case.detection_method_id,
        "concealment_methods": [m.pk for m in case.concealment_methods.all()],
        "narrative": "Hidden in banana boxes",
        "lines": [
            {
                k: getattr(line, f"{k}_id", None) or getattr(line, k)
                for k in ("commodity_type", "quantity", "unit", "estimated_value", "currency")
            }
            for line in lines
        ],
        "route": [{"kind": leg.kind, "country": leg.country.code} for leg in case.route_legs.all()],
        "offenders": [
            {"role": "courier", "nationality": "CO", "gender": "male", "age_range": "26-35"}
        ],
    }
    data, errors = case_validate(payload=payload, administration=national_admin.administration)
    assert errors == {}
    by_form = services.case_create(user=national_admin, data=data)
    for name in services.DERIVED_FIELDS:
        assert getattr(by_form, name) == getattr(case, name), name
    assert case.quality_score > 0 and "banana" in case.search_text


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("fr", {"transport_mode": "Avion - passagers", "unit": "kg", "country": "France"}),
        ("ar", {"country": "فرنسا"}),
    ],
)
def test_labels_in_french_and_arabic_are_accepted(
    national_admin, django_capture_on_commit_callbacks, language, labels
):
    from seizures.models import CommodityType, DetectionMethod, TransportMode

    with translation.override(language):
        commodity = CommodityType.objects.get(code="COCAINE")
        detection = DetectionMethod.objects.get(code="DETECTOR_DOG")
        transport = TransportMode.objects.get(code="AIR_PASSENGER")
        row = {
            **CASE_ROW,
            "commodity_type": commodity.label.upper(),
            "detection_method": str(detection),
            "transport_mode": str(transport),
            "seizure_date": "14/03/2026",
            **{k: v for k, v in labels.items() if k == "country"},
        }
    upload = upload_file(
        national_admin,
        filled_template([row], language=language),
        django_capture_on_commit_callbacks,
    )
    assert upload.errors == [], upload.errors
    assert upload.status == UploadStatus.AWAITING


def test_accents_and_case_do_not_matter(national_admin, django_capture_on_commit_callbacks):
    with translation.override("fr"):
        label = CommodityType.objects.get(code="COUNTERFEIT_PHARMACEUTICALS").label
    plain = label.replace("é", "e").replace("è", "e").lower()
    row = {
        **CASE_ROW,
        "commodity_type": plain,
        "seizure_date": "14.03.2026",
        "quantity": 7,
        "unit": "PIECE",
    }
    upload = upload_file(national_admin, filled_template([row]), django_capture_on_commit_callbacks)
    assert upload.errors == []


def test_semicolon_csv_with_bom_is_accepted(national_admin, django_capture_on_commit_callbacks):
    with translation.override("fr"):
        content = (
            "\ufeffRéférence nationale;Date de la saisie;Pays de la saisie;Mode de transport;"
            "Méthode de détection;Marchandise;Quantité;Unité\r\n"
            "FR-9;14/03/2026;France;AIR_PASSENGER;DETECTOR_DOG;Cocaïne;12,5;kg\r\n"
            ";;;;;;;\r\n"
        )
    upload = upload_file(
        national_admin, content.encode("utf-8"), django_capture_on_commit_callbacks, "cas.csv"
    )
    assert upload.errors == [] and upload.status == UploadStatus.AWAITING, (
        upload.message,
        upload.errors,
    )
    confirm(upload, national_admin, django_capture_on_commit_callbacks)
    assert str(Case.objects.get(national_reference="FR-9").lines.get().quantity) == "12.500"


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


def _with_part(name, content) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(filled_template([CASE_ROW])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == name:
                data = content(data)
            archive.writestr(item.filename, data)
        if name not in source.namelist():
            archive.writestr(name, content(b""))
    return out.getvalue()


def _entity_bomb(data: bytes) -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + data.split(b"?>", 1)[-1]
    )


def _merged() -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(filled_template([CASE_ROW, CASE_ROW])))
    book.worksheets[0].merge_cells("A2:A3")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _empty() -> bytes:
    book = openpyxl.Workbook()
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("big.xlsx", lambda: b"PK\x03\x04" + b"0" * (1024 * 1024 + 10), "larger than 1 MB"),
        ("fake.xlsx", lambda: b"PK\x03\x04 this is not a zip at all", "not a valid .xlsx"),
        ("notes.pdf", lambda: b"%PDF-1.4", "not an Excel workbook"),
        ("bomb.xlsx", _zip_bomb, "zip bomb"),
        ("macro.xlsm", lambda: filled_template([CASE_ROW]), "Macro-enabled"),
        ("macro.xlsx", lambda: _with_part("xl/vbaProject.bin", lambda data: b"x"), "Macro-enabled"),
        (
            "entities.xlsx",
            lambda: _with_part("xl/worksheets/sheet1.xml", _entity_bomb),
            "entity bomb",
        ),
        ("merged.xlsx", _merged, "merged cells (A2:A3)"),
        ("empty.xlsx", _empty, "is empty"),
        ("blank.xlsx", lambda: filled_template([]), "no rows"),
        ("latin1.csv", lambda: "Référence;Date\n".encode("latin-1"), "UTF-8"),
    ],
)
def test_hostile_or_broken_files_are_refused_with_a_message_and_nothing_written(
    national_admin, django_capture_on_commit_callbacks, settings, name, content, message
):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    settings.UPLOAD_MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
    try:
        upload = upload_file(national_admin, content(), django_capture_on_commit_callbacks, name)
    except service.FileRefused as refused:  # refused before anything is stored
        assert message in refused.message
        assert not Upload.objects.exists()
    else:
        assert upload.status == UploadStatus.FAILED
        assert message in upload.message, upload.message
        assert not service.upload_can_confirm(upload)
    assert not Case.objects.exists()


def test_the_row_limit_is_enforced(national_admin, django_capture_on_commit_callbacks, settings):
    settings.UPLOAD_MAX_ROWS = 3
    upload = upload_file(
        national_admin, filled_template(case_rows(4)), django_capture_on_commit_callbacks
    )
    assert upload.status == UploadStatus.FAILED and "more than 3 rows" in upload.message


def test_formulas_are_read_as_values_never_evaluated(
    national_admin, django_capture_on_commit_callbacks
):
    book = openpyxl.load_workbook(io.BytesIO(filled_template([CASE_ROW])))
    book.worksheets[0]["D2"] = '=HYPERLINK("http://example.org","x")'  # no cached value
    out = io.BytesIO()
    book.save(out)
    upload = upload_file(national_admin, out.getvalue(), django_capture_on_commit_callbacks)
    assert upload.status == UploadStatus.AWAITING


def test_a_batch_whose_last_row_is_bad_writes_nothing_and_marks_the_cell(
    national_admin, django_capture_on_commit_callbacks
):
    rows = case_rows(5)
    rows[-1]["quantity"] = "a lot"
    rows[-1]["unit"] = "bushels"
    capture = django_capture_on_commit_callbacks
    upload = upload_file(national_admin, filled_template(rows), capture)
    # A unit in none of our lists is asked about first; left as it is, it is a row error.
    assert upload.status == UploadStatus.NEEDS_MAPPING
    assert [q["value"] for q in upload.mapping["questions"]["unit"]] == ["bushels"]
    with capture(execute=True):
        mapping.upload_mapping_set(
            upload=upload, user=national_admin, columns=[], values={"unit": {"bushels": None}}
        )
    upload.refresh_from_db()
    assert upload.status == UploadStatus.INVALID
    assert {(e["row"], e["column"]) for e in upload.errors} == {(6, "Quantity"), (6, "Unit")}
    assert "Write a number." in {e["message"] for e in upload.errors}
    assert not service.upload_can_confirm(upload)
    assert not Case.objects.exists()

    book = openpyxl.load_workbook(io.BytesIO(upload.error_file.read()))
    sheet = book.worksheets[0]
    positions = {cell.value.rstrip(" *"): cell.column_letter for cell in sheet[1] if cell.value}
    bad = sheet[f"{positions['Quantity']}6"]
    assert bad.comment is not None and "Write a number." in bad.comment.text
    assert bad.fill.start_color.rgb.endswith("FFC7CE")
    assert sheet[f"{positions['Quantity']}5"].comment is None


def test_validator_errors_are_given_by_row_and_column_in_the_users_language(
    national_admin, django_capture_on_commit_callbacks
):
    national_admin.language = "fr"
    national_admin.save()
    rows = case_rows(2)
    rows[1]["seizure_date"] = "2099-01-01"
    upload = upload_file(national_admin, filled_template(rows), django_capture_on_commit_callbacks)
    assert upload.errors == [
        {
            "sheet": "Cases",
            "row": 3,
            "column": "Date de la saisie",
            "index": 1,
            "message": "La date de la saisie ne peut pas se situer dans le futur.",
        }
    ]


def test_a_task_killed_mid_import_writes_nothing_and_can_be_retried(
    national_admin, django_capture_on_commit_callbacks, monkeypatch
):
    from seizures.services import cases as case_services

    monkeypatch.setattr(case_services, "CHUNK", 3)
    upload = upload_file(
        national_admin, filled_template(case_rows(6, 2)), django_capture_on_commit_callbacks
    )
    real, calls = case_services._write_chunk, []

    def crash_after_half(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("the database connection was lost")
        return real(**kwargs)

    monkeypatch.setattr(case_services, "_write_chunk", crash_after_half)
    with pytest.raises(ConnectionError):
        confirm(upload, national_admin, django_capture_on_commit_callbacks)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED and "nothing was written" in upload.message
    assert not Case.objects.exists()
    assert service.upload_can_confirm(upload)

    monkeypatch.setattr(case_services, "_write_chunk", real)
    confirm(upload, national_admin, django_capture_on_commit_callbacks)
    assert upload.status == UploadStatus.DONE
    assert Case.objects.count() == 6


def test_re_upload_updates_rather_than_duplicates(
    national_admin, django_capture_on_commit_callbacks
):
    first = upload_file(
        national_admin, filled_template(case_rows(3)), django_capture_on_commit_callbacks
    )
    confirm(first, national_admin, django_capture_on_commit_callbacks)
    references = set(Case.objects.values_list("reference", flat=True))

    rows = case_rows(4)
    rows[0]["quantity"] = "99"
    second = upload_file(national_admin, filled_template(rows), django_capture_on_commit_callbacks)
    assert second.summary["cases_new"] == 1 and second.summary["cases_existing"] == 3
    confirm(second, national_admin, django_capture_on_commit_callbacks)
    assert Case.objects.count() == 4
    assert references <= set(Case.objects.values_list("reference", flat=True))
    case = Case.objects.get(national_reference="FR-0")
    assert str(case.lines.get().quantity) == "99.000"
    assert case.lines.count() == 1
    assert CaseChange.objects.filter(case=case, action="edited").exists()
    assert len(second.result["updated"]) == 3

    skipped = [*rows, {**CASE_ROW, "national_reference": "FR-new"}]
    skipped[0]["quantity"] = "5"
    third = upload_file(
        national_admin, filled_template(skipped), django_capture_on_commit_callbacks
    )
    confirm(third, national_admin, django_capture_on_commit_callbacks, existing="skip")
    assert str(Case.objects.get(national_reference="FR-0").lines.get().quantity) == "99.000"
    assert Case.objects.count() == 5


def test_submitted_cases_are_left_as_they_are(national_admin, django_capture_on_commit_callbacks):
    first = upload_file(
        national_admin, filled_template(case_rows(2)), django_capture_on_commit_callbacks
    )
    confirm(first, national_admin, django_capture_on_commit_callbacks)
    services.case_submit(user=national_admin, case=Case.objects.get(national_reference="FR-0"))
    second = upload_file(
        national_admin, filled_template(case_rows(2)), django_capture_on_commit_callbacks
    )
    assert second.summary["cases_locked"] == 1 and second.summary["cases_existing"] == 1


def _locked(user, capture, *, validate: bool):
    """Two cases imported, then submitted (and validated with ``validate``)."""
    first = upload_file(user, filled_template(case_rows(2)), capture)
    confirm(first, user, capture)
    for case in Case.objects.filter(national_reference__in=["FR-0", "FR-1"]):
        case = services.case_submit(user=user, case=case)
        if validate:
            services.case_validate(user=user, case=case)


def test_a_file_whose_cases_are_all_validated_ends_with_nothing_to_import(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    _locked(national_admin, django_capture_on_commit_callbacks, validate=True)
    again = upload_file(
        national_admin, filled_template(case_rows(2)), django_capture_on_commit_callbacks
    )
    assert again.status == UploadStatus.DONE and again.finished_at is not None
    assert again.message == "Nothing to import: every case in this file is already validated."
    assert again.result == {"created": [], "updated": []} and not again.validated
    assert not service.upload_can_confirm(again)
    page = as_user(national_admin).get(again.get_absolute_url()).content.decode()
    assert "Nothing to import: every case in this file is already validated." in page
    assert 'data-testid="upload-confirm"' not in page and "0 cases created" not in page


def test_a_file_of_submitted_cases_says_they_are_submitted_or_validated(
    national_admin, django_capture_on_commit_callbacks
):
    _locked(national_admin, django_capture_on_commit_callbacks, validate=False)
    again = upload_file(
        national_admin, filled_template(case_rows(2)), django_capture_on_commit_callbacks
    )
    assert again.status == UploadStatus.DONE
    assert again.message == (
        "Nothing to import: every case in this file is already submitted or validated."
    )


def test_a_file_with_one_case_still_to_import_awaits_confirmation(
    national_admin, django_capture_on_commit_callbacks
):
    _locked(national_admin, django_capture_on_commit_callbacks, validate=True)
    again = upload_file(
        national_admin, filled_template(case_rows(3)), django_capture_on_commit_callbacks
    )
    assert again.status == UploadStatus.AWAITING and again.message == ""
    assert again.summary["cases_locked"] == 2 and again.summary["cases_new"] == 1


def test_the_same_file_uploaded_twice_is_recognised(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    content = filled_template(case_rows(1))
    first = upload_file(national_admin, content, django_capture_on_commit_callbacks)
    second = upload_file(national_admin, content, django_capture_on_commit_callbacks)
    assert first.sha256 == second.sha256
    page = as_user(national_admin).get(second.get_absolute_url()).content.decode()
    assert "This very file was already uploaded" in page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_already_uploaded_notice_never_ends_with_two_full_stops(
    language, as_user, national_admin, django_capture_on_commit_callbacks
):
    national_admin.language = language
    national_admin.save()
    content = filled_template(case_rows(1))
    first = upload_file(national_admin, content, django_capture_on_commit_callbacks)
    # English short dates end "a.m.": the sentence's own full stop must not follow.
    Upload.objects.filter(pk=first.pk).update(
        created_at=datetime.datetime(2026, 3, 2, 9, 5, tzinfo=datetime.UTC)
    )
    second = upload_file(national_admin, content, django_capture_on_commit_callbacks)
    page = as_user(national_admin).get(second.get_absolute_url()).content.decode()
    [notice] = re.findall(r'data-testid="same-file">(.*?)<a ', page, flags=re.S)
    assert "2026" in notice
    assert ".." not in notice


def test_the_journey_through_the_pages(as_user, national_admin, django_capture_on_commit_callbacks):
    client = as_user(national_admin)
    template = client.get(reverse("seizures:upload-template"))
    assert template.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(template.content)).sheetnames[:2] == [
        "Cases",
        "Offenders",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("seizures:upload-create"), {"file": as_file(filled_template(case_rows(2)))}
        )
    upload = Upload.objects.get()
    assert response.url == upload.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert "2 new cases" in page
    partial = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('\n<div id="upload-state"') or 'id="upload-state"' in partial
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("seizures:upload-confirm", args=[upload.pk]), {"existing": "update"})
    page = client.get(upload.get_absolute_url()).content.decode()
    case = Case.objects.first()
    assert case.get_absolute_url() in page
    assert "upload" in client.get(reverse("seizures:upload-list")).content.decode()
    original = client.get(reverse("seizures:upload-download", args=[upload.pk, "original"]))
    assert original.status_code == 200
    assert (
        client.get(reverse("seizures:upload-download", args=[upload.pk, "errors"])).status_code
        == 404
    )


def test_only_national_admins_upload(as_user, officer, django_capture_on_commit_callbacks):
    client = as_user(officer)
    assert client.get(reverse("seizures:upload-list")).status_code == 403
    assert client.get(reverse("seizures:upload-template")).status_code == 403
    with pytest.raises(service.PermissionDenied):
        service.upload_create(user=officer, file=as_file(filled_template([CASE_ROW])))


def test_it_checks_ownership(
    as_user, make_user, kenya, national_admin, django_capture_on_commit_callbacks
):
    upload = upload_file(
        national_admin, filled_template([CASE_ROW]), django_capture_on_commit_callbacks
    )
    kenyan_admin = make_user(kenya, Role.NATIONAL_ADMIN)
    client = as_user(kenyan_admin)
    for url in (
        upload.get_absolute_url(),
        reverse("seizures:upload-download", args=[upload.pk, "original"]),
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(
            reverse("seizures:upload-confirm", args=[upload.pk]), {"existing": "update"}
        ).status_code
        == 404
    )
    assert client.post(reverse("seizures:upload-cancel", args=[upload.pk])).status_code == 404
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING


def test_an_upload_can_be_cancelled_and_is_audited(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    upload = upload_file(
        national_admin, filled_template([CASE_ROW]), django_capture_on_commit_callbacks
    )
    as_user(national_admin).post(reverse("seizures:upload-cancel", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == UploadStatus.CANCELLED
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditAction.UPLOAD_CREATED, AuditAction.UPLOAD_CANCELLED} <= actions


def test_the_validator_still_refuses_unknown_countries_and_inactive_vocabulary(national_admin):
    from seizures.models import TransportMode

    transport = TransportMode.objects.get(code="AIR_PASSENGER")
    payload = {
        "seizure_date": "2026-03-14",
        "country": "ZZ",
        "transport_mode": transport.pk,
        "detection_method": 1,
        "lines": [{"commodity_type": 1, "quantity": "1", "unit": 1}],
        "route": [{"kind": "departure", "country": "QQ"}],
    }
    _data, errors = case_validate(payload=payload, administration=national_admin.administration)
    assert "country" in errors and "route-0-country" in errors
    transport.is_active = False
    transport.save()
    _data, errors = case_validate(
        payload={**payload, "country": "FR", "route": []},
        administration=national_admin.administration,
    )
    assert list(errors) == ["transport_mode"]


def test_the_template_has_lists_hints_and_instructions_in_the_users_language(db):
    from seizures.imports.template import template_build

    with translation.override("fr"):
        content = template_build()
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Affaires", "Contrevenants", "Instructions", "Listes"]
    assert book["Listes"].sheet_state == "hidden"
    cases = book["Affaires"]
    assert cases["A1"].value == "Référence nationale *"
    assert "Les lignes ayant la même référence" in cases["A1"].comment.text
    sources = {validation.formula1 for validation in cases.data_validations.dataValidation}
    assert any("Listes" in source for source in sources)
    instructions = "\n".join(
        str(cell.value) for row in book["Instructions"].iter_rows() for cell in row if cell.value
    )
    assert "Comment remplir ce modèle" in instructions and "FR-2026-0001" in instructions


def test_blank_rows_between_and_after_the_cases_are_ignored(
    national_admin, django_capture_on_commit_callbacks
):
    rows = [CASE_ROW, {"place": "  "}, {**CASE_ROW, "national_reference": "FR-2"}, {}, {}]
    upload = upload_file(national_admin, filled_template(rows), django_capture_on_commit_callbacks)
    assert upload.errors == [] and upload.summary["cases_new"] == 2


def test_the_import_validates_again_when_something_changed_since_the_preview(
    national_admin, django_capture_on_commit_callbacks
):
    from seizures.models import DetectionMethod

    upload = upload_file(
        national_admin, filled_template([CASE_ROW]), django_capture_on_commit_callbacks
    )
    assert upload.status == UploadStatus.AWAITING and upload.validated
    DetectionMethod.objects.filter(code="DETECTOR_DOG").update(is_active=False)
    confirm(upload, national_admin, django_capture_on_commit_callbacks)
    assert upload.status == UploadStatus.INVALID
    assert upload.errors[0]["column"] == "Detection method"
    assert not Case.objects.exists()


def test_a_case_entered_meanwhile_with_the_same_reference_is_updated_not_duplicated(
    national_admin, django_capture_on_commit_callbacks, make_case
):
    upload = upload_file(
        national_admin, filled_template([CASE_ROW]), django_capture_on_commit_callbacks
    )
    meanwhile = make_case(national_admin)
    meanwhile.national_reference = CASE_ROW["national_reference"]
    meanwhile.save()
    confirm(upload, national_admin, django_capture_on_commit_callbacks)
    assert upload.status == UploadStatus.DONE
    assert upload.result == {"created": [], "updated": [meanwhile.reference]}
    assert Case.objects.count() == 1


def test_a_national_reference_typed_as_a_number_keeps_its_digits(
    national_admin, django_capture_on_commit_callbacks
):
    rows = [{**CASE_ROW, "national_reference": 20260314001}]
    offenders = [{"national_reference": 20260314001, "role": "driver"}]
    upload = upload_file(
        national_admin, filled_template(rows, offenders), django_capture_on_commit_callbacks
    )
    assert upload.errors == []
    confirm(upload, national_admin, django_capture_on_commit_callbacks)
    case = Case.objects.get()
    assert case.national_reference == "20260314001" and case.offenders.count() == 1


def test_an_import_whose_worker_was_killed_can_be_confirmed_again(
    national_admin, django_capture_on_commit_callbacks, settings
):
    import datetime

    from django.utils import timezone

    upload = upload_file(
        national_admin, filled_template([CASE_ROW]), django_capture_on_commit_callbacks
    )
    # Confirmed, then the worker was killed before it committed: nothing was written.
    service.upload_confirm(upload=upload, user=national_admin, existing="update")
    upload.refresh_from_db()
    assert upload.status == UploadStatus.IMPORTING and not service.upload_can_confirm(upload)
    Upload.objects.filter(pk=upload.pk).update(
        confirmed_at=timezone.now()
        - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    )
    upload.refresh_from_db()
    assert service.upload_can_confirm(upload)
    confirm(upload, national_admin, django_capture_on_commit_callbacks)
    assert upload.status == UploadStatus.DONE and Case.objects.count() == 1


def _stalled_upload(user, capture, minutes=11):
    """An upload whose check started and whose worker then died: still "checking",
    with its last progress ``minutes`` ago."""
    import datetime

    from django.utils import timezone

    with translation.override("en"), capture(execute=False):
        upload = service.upload_create(user=user, file=as_file(filled_template([CASE_ROW])))
    Upload.objects.filter(pk=upload.pk).update(
        rows_total=1, progress_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )
    upload.refresh_from_db()
    return upload


def test_a_check_in_progress_is_not_stalled_and_cannot_be_retried_or_cancelled(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    upload = _stalled_upload(national_admin, django_capture_on_commit_callbacks, minutes=2)
    assert upload.status == UploadStatus.CHECKING and not upload.check_stalled
    client = as_user(national_admin)
    assert b"upload-stalled" not in client.get(upload.get_absolute_url()).content
    client.post(reverse("seizures:upload-retry", args=[upload.pk]))
    client.post(reverse("seizures:upload-cancel", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == UploadStatus.CHECKING and upload.rows_total == 1


def test_a_stalled_check_can_be_checked_again_from_its_page(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    upload = _stalled_upload(national_admin, django_capture_on_commit_callbacks)
    assert upload.check_stalled
    client = as_user(national_admin)
    assert b"upload-stalled" in client.get(upload.get_absolute_url()).content
    assert b"upload-stalled-link" in client.get(reverse("seizures:upload-list")).content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("seizures:upload-retry", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING and upload.summary["cases_new"] == 1
    assert not upload.check_stalled
    failed = AuditEvent.objects.get(action=AuditAction.UPLOAD_FAILED)
    assert failed.details["reason"] == "check stalled"


def test_a_stalled_check_can_be_cancelled(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    upload = _stalled_upload(national_admin, django_capture_on_commit_callbacks)
    as_user(national_admin).post(reverse("seizures:upload-cancel", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == UploadStatus.CANCELLED


def test_a_stalled_check_of_another_administration_is_a_404(
    as_user, make_user, kenya, national_admin, django_capture_on_commit_callbacks
):
    upload = _stalled_upload(national_admin, django_capture_on_commit_callbacks)
    client = as_user(make_user(kenya, Role.NATIONAL_ADMIN))
    assert client.post(reverse("seizures:upload-retry", args=[upload.pk])).status_code == 404
    upload.refresh_from_db()
    assert upload.status == UploadStatus.CHECKING and upload.rows_total == 1


def test_upload_tasks_are_delivered_again_when_their_worker_is_lost():
    from seizures import tasks

    for task in (tasks.check_upload, tasks.import_upload):
        assert task.acks_late is True and task.reject_on_worker_lost is True


def test_a_check_delivered_twice_checks_the_file_once(
    national_admin, django_capture_on_commit_callbacks
):
    from seizures import tasks

    upload = upload_file(
        national_admin, filled_template([CASE_ROW]), django_capture_on_commit_callbacks
    )
    checked_at = upload.checked_at
    tasks.check_upload(upload.pk)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING and upload.checked_at == checked_at


def test_a_batch_validates_with_a_fixed_number_of_queries(
    national_admin, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from seizures.imports.columns import Vocabularies
    from seizures.imports.parsing import parse_workbook, validate_cases
    from seizures.imports.reading import open_upload

    def queries_for(count, tmp_name):
        path = service.Path(tmp_name)
        rows = case_rows(count, 2)
        for row in rows[::2]:  # the first row of each case
            row.update(concealment_methods="IN_LUGGAGE; ON_BODY", offence_types="SMUGGLING")
        path.write_bytes(filled_template(rows))
        _kind, workbook = open_upload(path, "cases.xlsx")
        parsed = parse_workbook(workbook, Vocabularies())
        workbook.close()
        with CaptureQueriesContext(connection) as captured:
            validate_cases(parsed, administration=national_admin.administration)
        assert all(group.data is not None for group in parsed.cases.values())
        return len(captured.captured_queries)

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        assert queries_for(3, f"{folder}/a.xlsx") == queries_for(12, f"{folder}/b.xlsx")


def _register(count):
    """``count`` cases of two lines, each with a route, concealment methods and an
    offender profile; and the Offenders sheet's rows."""
    rows = case_rows(count, 2)
    for row in rows[::2]:
        row.update(
            departure="CO",
            transit="PA",
            destination="FR",
            concealment_methods="IN_LUGGAGE; ON_BODY",
            offence_types="SMUGGLING",
            estimated_value="100",
            currency="EUR",
        )
    offenders = [
        {"national_reference": f"FR-{number}", "role": "courier", "nationality": "CO"}
        for number in range(count)
    ]
    return filled_template(rows, offenders)


def test_the_check_of_a_file_makes_as_many_queries_for_200_rows_as_for_10(
    national_admin, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The progress reports are the one write that comes with more rows: none here.
    monkeypatch.setattr(service, "PROGRESS_EVERY", 10**6)

    def queries_for(count):
        # Half the file's cases are known already (drafts, validated again).
        known = upload_file(
            national_admin, _register(count // 2), django_capture_on_commit_callbacks
        )
        confirm(known, national_admin, django_capture_on_commit_callbacks)
        with translation.override("en"), django_capture_on_commit_callbacks(execute=False):
            upload = service.upload_create(user=national_admin, file=as_file(_register(count)))
        with CaptureQueriesContext(connection) as captured:
            service.upload_check(upload=upload)
        assert upload.status == UploadStatus.AWAITING, upload.errors[:3]
        assert upload.summary["cases_existing"] == count // 2
        Case.objects.all().delete()
        return len(captured.captured_queries)

    assert queries_for(6) == queries_for(100)


def test_cases_with_the_same_route_and_profiles_are_validated_as_each_alone(national_admin):
    from seizures.forms import validation_batch

    administration = national_admin.administration
    cases = [
        {
            "national_reference": f"FR-{number}",
            "seizure_date": "2026-03-14",
            "country": "FR",
            "transport_mode": 1,
            "detection_method": 1,
            "lines": [{"commodity_type": 1, "quantity": str(number + 1), "unit": 1}],
            "route": route,
            "offenders": [{"role": "courier", "nationality": "CO", "gender": "male"}],
        }
        for number, route in enumerate(
            [
                [{"kind": "departure", "country": "CO"}, {"kind": "destination", "country": "FR"}],
                [{"kind": "departure", "country": "CO"}, {"kind": "destination", "country": "FR"}],
                [{"kind": "destination", "country": "FR"}, {"kind": "departure", "country": "CO"}],
                [{"kind": "destination", "country": "FR"}, {"kind": "departure", "country": "CO"}],
            ]
        )
    ]
    alone = [case_validate(payload=case, administration=administration) for case in cases]
    with validation_batch(administration=administration, references=["FR-0", "FR-1"]):
        together = [case_validate(payload=case, administration=administration) for case in cases]

    def parts(results):
        return [
            (data and (data.lines, data.legs, data.offenders), errors) for data, errors in results
        ]

    assert parts(together) == parts(alone)
    (first, _none), (second, _none_too) = together[:2]
    assert first.legs == second.legs and first.legs[0] is not second.legs[0]
    assert first.offenders[0] is not second.offenders[0]
    assert [errors == {} for _data, errors in together] == [True, True, False, False]
    assert together[2][1] == together[3][1] and "route" in together[3][1]


def test_a_batch_refuses_a_reference_another_case_uses_as_the_entry_form_does(national_admin):
    from seizures.forms import validation_batch
    from seizures.imports.parsing import existing_cases

    administration = national_admin.administration
    payload = {
        "national_reference": "FR-1",
        "seizure_date": "2026-03-14",
        "country": "FR",
        "transport_mode": 1,
        "detection_method": 1,
        "lines": [{"commodity_type": 1, "quantity": "1", "unit": 1}],
    }
    data, errors = case_validate(payload=payload, administration=administration)
    assert errors == {}
    services.case_create(user=national_admin, data=data)
    alone = case_validate(payload=payload, administration=administration)[1]
    known = existing_cases(administration=administration, references=["FR-1"])
    with validation_batch(administration=administration, references=["FR-1"], known=known):
        in_batch = case_validate(payload=payload, administration=administration)[1]
        # The case itself may keep its reference.
        assert (
            case_validate(payload=payload, administration=administration, instance=known["FR-1"])[1]
            == {}
        )
    assert alone == in_batch and list(in_batch) == ["national_reference"]


def test_forms_bound_after_a_batch_have_their_own_fields_again(national_admin):
    from seizures.forms import CaseForm, validation_batch

    with validation_batch(administration=national_admin.administration):
        shared = CaseForm(administration=national_admin.administration)
        assert shared.fields["place"] is CaseForm.base_fields["place"]
        assert shared.fields["country"] is not CaseForm.base_fields["country"]
    own = CaseForm(administration=national_admin.administration)
    assert own.fields["place"] is not CaseForm.base_fields["place"]


def _csv(*rows: str) -> bytes:
    header = (
        "National reference,Date of seizure,Country of seizure,Transport mode,"
        "Detection method,Commodity,Quantity,Unit,Route,Offender profiles,Country of departure"
    )
    return "\r\n".join([header, *rows, ""]).encode("utf-8")


def test_a_csv_gives_the_route_with_places_and_offender_profiles_in_delimited_columns(
    national_admin, django_capture_on_commit_callbacks
):
    content = _csv(
        "EC-1,2026-03-14,FR,SEA_CONTAINER,RISK_PROFILING,COCAINE,40,KG,"
        '"departure:EC:Guayaquil; Transit:Panama; destination:NL:Rotterdam",'
        '"courier / NG / male / 1985; Expéditeur / Colombie",',
        "EC-1,,,,,CANNABIS_HERB,2,KG,,,",
    )
    upload = upload_file(national_admin, content, django_capture_on_commit_callbacks, "cases.csv")
    assert upload.errors == [] and upload.status == UploadStatus.AWAITING, upload.errors
    confirm(upload, national_admin, django_capture_on_commit_callbacks)
    case = Case.objects.get(national_reference="EC-1")
    legs = [(leg.kind, leg.country.code, leg.place) for leg in case.route_legs.order_by("position")]
    assert legs == [
        ("departure", "EC", "Guayaquil"),
        ("transit", "PA", ""),
        ("destination", "NL", "Rotterdam"),
    ]
    profiles = [
        (p.role, p.nationality.code, p.gender, p.birth_year) for p in case.offenders.order_by("id")
    ]
    assert profiles == [("courier", "NG", "male", 1985), ("sender", "CO", "unknown", None)]
    assert case.lines.count() == 2


def test_the_delimited_columns_are_read_from_a_workbook_too(
    national_admin, django_capture_on_commit_callbacks
):
    row = {**CASE_ROW, "route_legs": "departure:CO; destination:FR", "offender_profiles": "driver"}
    upload = upload_file(national_admin, filled_template([row]), django_capture_on_commit_callbacks)
    assert upload.errors == [], upload.errors
    confirm(upload, national_admin, django_capture_on_commit_callbacks)
    case = Case.objects.get()
    assert [leg.country.code for leg in case.route_legs.order_by("position")] == ["CO", "FR"]
    assert case.offenders.get().role == "driver"


def test_a_route_given_in_both_the_column_and_the_country_columns_is_an_error(
    national_admin, django_capture_on_commit_callbacks
):
    content = _csv(
        "EC-1,2026-03-14,FR,SEA_CONTAINER,RISK_PROFILING,COCAINE,40,KG,departure:EC,,CO",
    )
    upload = upload_file(national_admin, content, django_capture_on_commit_callbacks, "cases.csv")
    assert upload.status == UploadStatus.INVALID
    assert [(e["row"], e["column"]) for e in upload.errors] == [(2, "Route")]
    assert "in one place only" in upload.errors[0]["message"]
    assert not Case.objects.exists()


def test_offender_profiles_given_in_both_the_column_and_the_sheet_are_an_error(
    national_admin, django_capture_on_commit_callbacks
):
    row = {**CASE_ROW, "offender_profiles": "courier / NG"}
    offenders = [{"national_reference": "FR-1", "role": "driver"}]
    upload = upload_file(
        national_admin, filled_template([row], offenders), django_capture_on_commit_callbacks
    )
    assert upload.status == UploadStatus.INVALID
    assert [(e["sheet"], e["row"]) for e in upload.errors] == [("Offenders", 2)]
    assert "in one place only" in upload.errors[0]["message"]


def test_bad_parts_of_the_delimited_columns_are_named_in_their_cell(
    national_admin, django_capture_on_commit_callbacks
):
    content = _csv(
        'EC-1,2026-03-14,FR,SEA_CONTAINER,RISK_PROFILING,COCAINE,40,KG,"departure:EC; XX",'
        '"courier / Atlantis",',
        "EC-2,2026-03-14,FR,SEA_CONTAINER,RISK_PROFILING,COCAINE,40,KG,"
        '"destination:NL; departure:EC","courier / NG / male / 1985 / 26-35",',
    )
    upload = upload_file(national_admin, content, django_capture_on_commit_callbacks, "cases.csv")
    found = {(e["row"], e["column"], e["message"]) for e in upload.errors}
    columns = {(row, column) for row, column, _message in found}
    assert columns == {
        (2, "Route"),
        (2, "Offender profiles"),
        (3, "Route"),
        (3, "Offender profiles"),
    }
    messages = " ".join(message for _row, _column, message in found)
    assert "Leg 2" in messages and "Atlantis" in messages
    assert "year of birth or an age range" in messages


def _parsed_payloads(workbook):
    from seizures.imports.columns import Vocabularies
    from seizures.imports.parsing import parse_workbook

    try:
        parsed = parse_workbook(workbook, Vocabularies())
    finally:
        workbook.close()
    return {reference: group.payload for reference, group in parsed.cases.items()}


def test_calamine_and_openpyxl_read_a_workbook_to_the_same_cases(national_admin, tmp_path):
    import datetime

    from seizures.imports import reading

    rows = [
        full_row(seizure_date=datetime.date(2026, 3, 14), quantity=2.5),
        {"national_reference": "FR-1", "commodity_type": "CANNABIS_RESIN", "quantity": "3"},
        {**CASE_ROW, "national_reference": 20260314001, "route_legs": "departure:CO:Cali"},
    ]
    offenders = [{"national_reference": "FR-1", "role": "courier", "birth_year": 1985}]
    path = tmp_path / "cases.xlsx"
    path.write_bytes(filled_template(rows, offenders))
    by_calamine = _parsed_payloads(reading._open_with_calamine(path))
    by_openpyxl = _parsed_payloads(reading._open_with_openpyxl(path))
    assert by_calamine == by_openpyxl
    assert set(by_calamine) == {"FR-1", "20260314001"}
    assert by_calamine["FR-1"]["seizure_date"] == "2026-03-14"
    assert by_calamine["FR-1"]["offenders"][0]["birth_year"] == 1985


def test_a_sheet_that_does_not_start_in_column_a_is_read_with_the_right_cells(
    national_admin, django_capture_on_commit_callbacks
):
    book = openpyxl.load_workbook(
        io.BytesIO(filled_template([CASE_ROW, {**CASE_ROW, "national_reference": "FR-2"}]))
    )
    sheet = book.worksheets[0]
    sheet["B3"] = "2031-01-01"  # the second case's date, in the future
    sheet.insert_cols(1)  # the header now starts in column B: calamine leaves it to openpyxl
    out = io.BytesIO()
    book.save(out)
    upload = upload_file(national_admin, out.getvalue(), django_capture_on_commit_callbacks)
    assert [(e["row"], e["index"], e["column"]) for e in upload.errors] == [
        (3, 2, "Date of seizure")
    ]


def test_a_check_cancelled_while_it_ran_stays_cancelled(
    national_admin, django_capture_on_commit_callbacks, monkeypatch
):
    from seizures import tasks

    upload = _stalled_upload(national_admin, django_capture_on_commit_callbacks)
    real = service._read_and_validate

    def cancelled_meanwhile(upload, path, **kwargs):
        result = real(upload, path, **kwargs)
        # The user cancelled it while it looked stalled (the file was slow to read).
        Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.CANCELLED)
        return result

    monkeypatch.setattr(service, "_read_and_validate", cancelled_meanwhile)
    tasks.check_upload(upload.pk)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.CANCELLED
    assert not upload.validated and not upload.summary
    assert not service.upload_can_confirm(upload)


def test_a_file_that_kills_its_worker_each_time_fails_after_three_attempts(
    national_admin, django_capture_on_commit_callbacks, monkeypatch
):
    from seizures import tasks

    upload = _stalled_upload(national_admin, django_capture_on_commit_callbacks)
    # Each delivery dies before the check ends: the upload stays "checking".
    monkeypatch.setattr(service, "upload_check", lambda upload: upload)
    for attempt in (1, 2, 3):
        tasks.check_upload(upload.pk)
        upload.refresh_from_db()
        assert upload.status == UploadStatus.CHECKING and upload.attempts == attempt
    tasks.check_upload(upload.pk)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert "stopped the worker processing it 3 times" in upload.message
    assert AuditEvent.objects.filter(action=AuditAction.UPLOAD_FAILED).exists()


def test_an_import_lost_after_writing_its_cases_but_before_it_was_done_wrote_nothing(
    national_admin, django_capture_on_commit_callbacks, monkeypatch
):
    upload = upload_file(
        national_admin, filled_template(case_rows(3, 1)), django_capture_on_commit_callbacks
    )
    real = service.cases_save_many

    def lost_after_writing(**kwargs):
        real(**kwargs)
        raise ConnectionError("the database connection was lost")

    monkeypatch.setattr(service, "cases_save_many", lost_after_writing)
    with pytest.raises(ConnectionError):
        confirm(upload, national_admin, django_capture_on_commit_callbacks)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED and not Case.objects.exists()
    monkeypatch.setattr(service, "cases_save_many", real)
    confirm(upload, national_admin, django_capture_on_commit_callbacks)
    assert upload.status == UploadStatus.DONE and Case.objects.count() == 3
    assert len(upload.result["created"]) == 3


def test_a_null_character_in_a_csv_cell_is_an_error_on_that_row_and_column(
    national_admin, django_capture_on_commit_callbacks
):
    content = _csv(
        "EC-1,2026-03-14,FR,SEA_CONTAINER,RISK_PROFILING,COCAINE,40,KG,,,",
        "EC-\x002,2026-03-14,FR,SEA_CONTAINER,RISK_PROFILING,COCAINE,40,KG,,,",
        "EC-3,2026-03-14,FR,SEA\x00_CONTAINER,RISK_PROFILING,COCAINE,40,KG,,,",
    )
    upload = upload_file(national_admin, content, django_capture_on_commit_callbacks, "cases.csv")
    assert upload.status == UploadStatus.INVALID, upload.message
    found = [(e["row"], e["column"], e["message"]) for e in upload.errors]
    assert found == [
        (
            3,
            "National reference",
            "“National reference” contains a null character (U+0000), which cannot be "
            "stored: remove it.",
        ),
        (
            4,
            "Transport mode",
            "“Transport mode” contains a null character (U+0000), which cannot be stored: "
            "remove it.",
        ),
    ]
    assert upload.error_file and not Case.objects.exists()


def test_a_null_character_in_a_reference_of_the_offenders_sheet_is_an_error_on_that_cell(db):
    # openpyxl cannot write a NUL into a workbook: the sheets are given as read.
    from seizures.imports.columns import CASE_SHEET_COLUMNS, OFFENDER_COLUMNS, Vocabularies
    from seizures.imports.parsing import parse_workbook
    from seizures.imports.reading import Sheet, Workbook

    def sheet(name, columns, rows):
        positions = {column.key: index for index, column in enumerate(columns)}
        return Sheet(name, list(columns), positions, iter(enumerate(rows, start=2)))

    workbook = Workbook(
        cases=sheet("Cases", CASE_SHEET_COLUMNS, [{**CASE_ROW, "place": "Roissy\x00"}]),
        offenders=sheet("Offenders", OFFENDER_COLUMNS, [{"national_reference": "FR\x00-1"}]),
        close=lambda: None,
    )
    parsed = parse_workbook(workbook, Vocabularies())
    errors = [error.as_dict() for error in [*parsed.errors, *parsed.cases["FR-1"].errors]]
    assert {(e["sheet"], e["row"], e["column"]) for e in errors} == {
        ("Offenders", 2, "National reference"),
        ("Cases", 2, "Place"),
    }
    assert all("contains a null character" in e["message"] for e in errors)


def test_a_check_that_crashes_leaves_a_message_for_the_user_not_the_error(
    national_admin, django_capture_on_commit_callbacks, monkeypatch
):
    def crash(*args, **kwargs):
        raise RuntimeError('invalid byte sequence for encoding "UTF8": 0x00')

    monkeypatch.setattr(service, "parse_workbook", crash)
    content = _csv("EC-1,2026-03-14,FR,SEA_CONTAINER,RISK_PROFILING,COCAINE,40,KG,,,")
    with pytest.raises(RuntimeError):  # raised on, for the worker's log
        upload_file(national_admin, content, django_capture_on_commit_callbacks, "cases.csv")
    upload = Upload.objects.get()
    assert upload.status == UploadStatus.FAILED
    assert "0x00" not in upload.message and "error on our side" in upload.message
    assert upload.finished_at is not None


def test_a_csv_cell_over_the_field_limit_is_refused_for_its_length_not_its_quotes(
    national_admin, django_capture_on_commit_callbacks
):
    long_place = "x" * (200 * 1024)
    content = _csv(f"EC-1,2026-03-14,FR,SEA_CONTAINER,RISK_PROFILING,COCAINE,40,KG,,,{long_place}")
    upload = upload_file(national_admin, content, django_capture_on_commit_callbacks, "cases.csv")
    assert upload.status == UploadStatus.FAILED
    assert upload.message == "A cell of the CSV file is longer than 128 KB: shorten it."
    assert not Case.objects.exists()


def test_an_impossible_date_is_said_not_to_exist():
    from seizures.imports.columns import CellError, parse_date

    with pytest.raises(CellError) as error:
        parse_date("31/02/2026")
    assert "does not exist" in str(error.value)


@pytest.mark.parametrize(
    "text",
    [
        "2019-01-25T00:00:00",
        "2019-01-25 00:00:00",
        "25/01/2019 14:30",
        "25.01.2019 9:05",
        "25/01/2019 12:00:00 AM",
    ],
)
def test_a_date_with_a_time_part_is_read_and_the_time_ignored(text):
    import datetime

    from seizures.imports.columns import parse_date

    assert parse_date(text) == datetime.date(2019, 1, 25)
