"""Minimal data is allowed, and said to be minimal: a transport mode or detection
method given as not known, a commodity line whose quantity is not recorded. Each
is accepted by the one validator (entry forms, upload, API), counted as a missing
fact in the data-quality score, and never counted as a real value."""

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from accounts.services import api_key_create
from seizures import services
from seizures.exports import columns_for, export_rows
from seizures.imports import service
from seizures.imports.columns import QuantityRecording
from seizures.imports.template import template_build
from seizures.models import (
    NOT_KNOWN,
    Case,
    CommodityLine,
    DetectionMethod,
    ExportColumns,
    ExportLayout,
    TransportMode,
    UploadStatus,
)
from seizures.validation import case_quality, case_validate

from .conftest import trace_data
from .test_cases import full_form
from .uploads import CASE_ROW, as_file, filled_template

ZERO_REFUSED = (
    "A quantity is more than zero. For a trace, or goods nobody weighed or counted, "
    "leave the quantity empty and mark it as not recorded."
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def not_known(db):
    class NotKnown:
        transport = TransportMode.objects.get(code=NOT_KNOWN)
        detection = DetectionMethod.objects.get(code=NOT_KNOWN)

    return NotKnown


def payload(vocab, *, line=None, **changes):
    return {
        "seizure_date": "2026-03-14",
        "country": "FR",
        "transport_mode": vocab.transport.pk,
        "detection_method": vocab.detection.pk,
        "lines": [
            line or {"commodity_type": vocab.cocaine.pk, "quantity": "2", "unit": vocab.kg.pk}
        ],
        **changes,
    }


def test_the_not_known_entries_are_labelled_in_the_six_languages_and_listed_last(not_known):
    for entry in (not_known.transport, not_known.detection):
        assert entry.is_not_known and entry.is_active
        assert (entry.label_en, entry.label_fr, entry.label_es) == (
            "Not known",
            "Inconnu",
            "Desconocido",
        )
        assert entry.label_ru and entry.label_ar and entry.label_pt
        assert type(entry).objects.order_by("order").last() == entry


def test_not_known_transport_and_detection_are_accepted_and_are_missing_facts(
    france, vocab, not_known
):
    known, errors = case_validate(payload=payload(vocab), administration=france)
    assert errors == {}
    data, errors = case_validate(
        payload=payload(
            vocab, transport_mode=not_known.transport.pk, detection_method=not_known.detection.pk
        ),
        administration=france,
    )
    assert errors == {}
    assert data.fields["transport_mode"] == not_known.transport
    with translation.override("en"):
        score, missing = case_quality(data)
        known_score, known_missing = case_quality(known)
    assert missing[:2] == [
        "transport mode (given as not known)",
        "detection method (given as not known)",
    ]
    assert [str(label) for label in known_missing] == [str(label) for label in missing[2:]]
    assert score <= known_score


def test_a_case_that_knows_every_required_fact_keeps_its_score(france, vocab):
    data, _errors = case_validate(
        payload=payload(vocab, place="Roissy", narrative="In a suitcase"), administration=france
    )
    score, missing = case_quality(data)
    # 2 of the 11 recommended items, as before "not known" could be said.
    assert score == round(100 * 2 / 11) and len(missing) == 9


def test_a_line_whose_quantity_is_not_recorded_is_accepted_without_quantity_or_unit(france, vocab):
    data, errors = case_validate(
        payload=payload(
            vocab, line={"commodity_type": vocab.cocaine.pk, "quantity_not_recorded": "true"}
        ),
        administration=france,
    )
    assert errors == {}
    [line] = data.lines
    assert line["quantity"] is None and line["quantity_not_recorded"] is True
    assert line["unit"] == vocab.cocaine.default_unit
    _score, missing = case_quality(data)
    assert "quantity of every line (one is not recorded)" in [str(label) for label in missing]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"quantity": "0"}, ZERO_REFUSED),
        (
            {},
            "Give the quantity, or mark it as not recorded (a trace, or goods nobody "
            "weighed or counted).",
        ),
        (
            {"quantity": "3", "quantity_not_recorded": "true"},
            "Leave the quantity empty: the line says it is not recorded.",
        ),
    ],
)
def test_a_quantity_is_given_or_said_not_recorded_never_left_silent(france, vocab, line, message):
    with translation.override("en"):
        data, errors = case_validate(
            payload=payload(
                vocab, line={"commodity_type": vocab.cocaine.pk, "unit": vocab.kg.pk, **line}
            ),
            administration=france,
        )
    assert data is None
    assert errors == {"lines-0-quantity": [message]}


def test_a_unit_is_still_needed_for_a_quantity(france, vocab):
    data, errors = case_validate(
        payload=payload(vocab, line={"commodity_type": vocab.cocaine.pk, "quantity": "3"}),
        administration=france,
    )
    assert data is None and set(errors) == {"lines-0-unit"}


def test_the_database_refuses_a_silent_empty_quantity(officer, make_case):
    from django.db import IntegrityError, transaction

    case = make_case(officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommodityLine.objects.filter(case=case).update(quantity=None)


@pytest.mark.parametrize(
    "quantity, not_recorded, valid",
    [("3", False, True), (None, True, True), (None, False, False), ("3", True, False)],
)
def test_the_model_checks_its_quantity_rule_without_asking_the_database(
    officer, make_case, django_assert_num_queries, quantity, not_recorded, valid
):
    """The same rule as the database's constraint, tested in Python: Django's own
    test would ask the database once per line of a bulk upload."""
    from django.core.exceptions import ValidationError

    [constraint] = CommodityLine._meta.constraints
    line = CommodityLine.objects.get(case=make_case(officer))
    line.quantity = None if quantity is None else Decimal(quantity)
    line.quantity_not_recorded = not_recorded
    with django_assert_num_queries(0):
        if valid:
            line.validate_constraints()
        else:
            with pytest.raises(ValidationError) as raised:
                line.validate_constraints()
            assert raised.value.messages == [constraint.get_violation_error_message()]
        # The line form leaves the rule to its own message.
        line.validate_constraints(exclude={"quantity_not_recorded"})


def test_the_full_form_records_a_trace_and_shows_it_as_not_recorded(
    as_user, officer, vocab, not_known
):
    client = as_user(officer)
    data = full_form(
        vocab,
        transport_mode=not_known.transport.pk,
        lines=[{"commodity_type": vocab.cocaine.pk, "quantity_not_recorded": "on"}],
    )
    response = client.post(reverse("seizures:case-create"), data)
    case = Case.objects.get()
    assert response.url == case.get_absolute_url()
    line = case.lines.get()
    assert (line.quantity, line.normalised_quantity, line.quantity_not_recorded) == (
        None,
        None,
        True,
    )
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="quantity-not-recorded"' in page
    assert "transport mode (given as not known)" in page
    assert "quantity of every line (one is not recorded)" in page


def test_the_simplified_form_takes_a_quantity_not_recorded(as_user, officer, vocab, not_known):
    response = as_user(officer).post(
        reverse("seizures:case-create-simple"),
        {
            "seizure_date": "2026-02-01",
            "country": "FR",
            "commodity_type": vocab.cocaine.pk,
            "quantity_not_recorded": "on",
            "transport_mode": not_known.transport.pk,
            "detection_method": not_known.detection.pk,
        },
    )
    case = Case.objects.get()
    assert response.url == case.get_absolute_url()
    assert case.lines.get().quantity_not_recorded
    assert case.transport_mode.is_not_known and case.detection_method.is_not_known


@pytest.mark.parametrize(
    ("language", "cells"),
    [
        (
            "en",
            {"transport_mode": "Not known", "detection_method": "unknown"},
        ),
        ("fr", {"transport_mode": "Inconnu", "detection_method": "inconnu"}),
    ],
)
def test_an_upload_writes_not_known_and_not_recorded_in_the_users_language(
    language, cells, national_admin, django_capture_on_commit_callbacks
):
    with translation.override(language):
        not_recorded = str(QuantityRecording.NOT_RECORDED.label)
    rows = [
        {
            **CASE_ROW,
            **cells,
            "quantity": None,
            "unit": None,
            "quantity_not_recorded": not_recorded,
        },
        {"national_reference": CASE_ROW["national_reference"], "commodity_type": "CANNABIS_HERB"}
        | {"quantity": "2", "unit": "KG"},
    ]
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        upload = service.upload_create(
            user=national_admin, file=as_file(filled_template(rows, language=language))
        )
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING, upload.errors
    with django_capture_on_commit_callbacks(execute=True):
        service.upload_confirm(upload=upload, user=national_admin, existing="update")
    case = Case.objects.get()
    assert case.transport_mode.is_not_known and case.detection_method.is_not_known
    lines = {line.commodity_type.code: line for line in case.lines.all()}
    assert lines["COCAINE"].quantity_not_recorded and lines["COCAINE"].quantity is None
    assert lines["CANNABIS_HERB"].quantity == 2 and not lines["CANNABIS_HERB"].quantity_not_recorded


def test_an_upload_refuses_a_zero_quantity_pointing_to_not_recorded(
    national_admin, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        upload = service.upload_create(
            user=national_admin, file=as_file(filled_template([{**CASE_ROW, "quantity": "0"}]))
        )
    upload.refresh_from_db()
    assert [(error["column"], error["message"]) for error in upload.errors] == [
        ("Quantity", ZERO_REFUSED)
    ]


def test_the_api_takes_unknown_and_a_quantity_not_recorded(client_factory, national_admin):
    _key, secret = api_key_create(actor=national_admin, name="National seizure system")
    client = client_factory()
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {secret}"
    case = {
        "national_reference": "FR-API-TRACE",
        "seizure_date": "2026-03-14",
        "country": "FR",
        "transport_mode": "UNKNOWN",
        "detection_method": "Not known",
        "lines": [
            {"commodity_type": "COCAINE", "quantity_not_recorded": True},
            {"commodity_type": "COCAINE", "quantity": "1.5", "unit": "KG"},
        ],
    }
    response = client.post(
        reverse("api:case-create"), json.dumps(case), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = client.get(reverse("api:case-detail", args=[response.json()["reference"]])).json()
    assert body["transport_mode"] == body["detection_method"] == NOT_KNOWN
    assert [(line["quantity"], line["quantity_not_recorded"]) for line in body["lines"]] == [
        (None, True),
        ("1.500", False),
    ]
    schema = client.get(reverse("api:schema"), {"format": "json"})
    if schema.status_code == 200:
        assert "quantity_not_recorded" in schema.content.decode()


def test_a_case_history_and_export_say_a_quantity_is_not_recorded(officer, national_admin, vocab):
    more = {"commodity_type": vocab.cocaine, "quantity": Decimal("4"), "unit": vocab.kg}
    data = trace_data(officer, vocab, date=datetime.date(2026, 3, 1), more_lines=[more])
    case = services.case_create(user=officer, data=data)
    assert str(case.lines.order_by("id").first()) == "Cocaine (KG)"
    cases = Case.objects.filter(pk=case.pk)
    with translation.override("en"):
        [row] = export_rows(
            cases,
            layout=ExportLayout.CASE,
            columns=columns_for(layout=ExportLayout.CASE, columns=ExportColumns.FULL),
        )
        lines = list(
            export_rows(
                cases,
                layout=ExportLayout.LINE,
                columns=columns_for(layout=ExportLayout.LINE, columns=ExportColumns.FULL),
            )
        )
    assert "Cocaine, KG: quantity not recorded; Cocaine 4 KG" in row
    assert len(lines) == 2


def test_the_template_says_how_to_write_minimal_data_and_a_seizure_abroad(db):
    with translation.override("en"):
        book = openpyxl.load_workbook(io.BytesIO(template_build()))
    headers = [cell.value for cell in book["Cases"][1]]
    assert "Quantity not recorded" in headers
    assert "Reason for reporting a seizure abroad" in headers
    text = " ".join(
        str(cell.value) for row in book["Instructions"].iter_rows() for cell in row if cell.value
    )
    assert "is “Not known”" in text and "choose “Not recorded” in “Quantity not recorded”" in text
