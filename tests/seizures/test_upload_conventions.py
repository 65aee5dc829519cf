"""Nothing is misread silently: how a file writes its numbers and dates is decided
per column from all of its values, and asked in the preview when nothing decides it."""

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditAction, AuditEvent, Role
from accounts.services import api_key_create
from seizures.imports import service
from seizures.imports.columns import CASE_SHEET_COLUMNS, CellError, parse_date, parse_decimal
from seizures.imports.conventions import (
    AMBIGUOUS,
    AUTO,
    DAY_FIRST,
    MONTH_FIRST,
    USER,
    BadAnswer,
    column_convention,
)
from seizures.models import Case, CommodityLine, UploadStatus

from .uploads import CASE_ROW, as_file, filled_template

HEADER = (
    "National reference,Date of seizure,Country of seizure,Transport mode,"
    "Detection method,Commodity,Quantity,Unit"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _csv(*rows: tuple[str, str, str]) -> bytes:
    """Rows of (national reference, date, quantity), the rest of each row fixed."""
    lines = [HEADER]
    for reference, date, quantity in rows:
        lines.append(f'{reference},{date},FR,AIR_PASSENGER,DETECTOR_DOG,COCAINE,"{quantity}",KG')
    return "\r\n".join([*lines, ""]).encode("utf-8")


def _upload(user, content, capture, name="cases.csv"):
    with translation.override("en"), capture(execute=True):
        upload = service.upload_create(user=user, file=as_file(content, name))
    upload.refresh_from_db()
    return upload


def _import(upload, user, capture):
    with capture(execute=True):
        service.upload_confirm(upload=upload, user=user, existing="update")
    upload.refresh_from_db()
    assert upload.status == UploadStatus.DONE, (upload.status, upload.message, upload.errors)


def _answer(upload, user, capture, **choices):
    with capture(execute=True):
        service.upload_conventions_set(upload=upload, user=user, choices=choices)
    upload.refresh_from_db()
    return upload


def _quantities() -> dict[str, Decimal]:
    return {
        line.case.national_reference: line.quantity
        for line in CommodityLine.objects.select_related("case")
    }


def _dates() -> dict[str, datetime.date]:
    return {case.national_reference: case.seizure_date for case in Case.objects.all()}


# --- Deciding a column from its values ---------------------------------------------------


@pytest.mark.parametrize(
    ("values", "decimal", "decided"),
    [
        (["16,780"], ",", AMBIGUOUS),
        (["16,780", "1,234,567"], ".", AUTO),
        (["16,780", "1,234.5"], ".", AUTO),
        (["16,780", "12,5"], ",", AUTO),
        (["1.500"], ".", AMBIGUOUS),
        (["1.500", "1.234.567"], ",", AUTO),
        (["1.500", "1.234,5"], ",", AUTO),
        (["1.500", "0.25"], ".", AUTO),
        (["0,125", "16,780"], ",", AUTO),
    ],
)
def test_a_number_column_is_decided_by_any_value_that_reads_one_way_only(values, decimal, decided):
    convention = column_convention("decimal", values)
    assert (convention["decimal"], convention["decided"]) == (decimal, decided)
    assert convention["thousands"] == {",": ".", ".": ","}[decimal]


def test_a_number_column_without_separators_needs_no_convention():
    assert column_convention("decimal", ["16780", "12", "-3"]) is None


@pytest.mark.parametrize(
    ("values", "order", "decided"),
    [
        (["03/01/2019"], DAY_FIRST, AMBIGUOUS),
        (["03/01/2019 12:00:00 AM", "25/01/2019"], DAY_FIRST, AUTO),
        (["03/01/2019 12:00:00 AM", "01/25/2019 12:00:00 AM"], MONTH_FIRST, AUTO),
        (["03.01.2019", "14.03.2026"], DAY_FIRST, AUTO),
    ],
)
def test_a_date_column_is_decided_by_any_part_that_exceeds_twelve(values, order, decided):
    convention = column_convention("date", values)
    assert (convention["order"], convention["decided"]) == (order, decided)


def test_dates_that_read_the_same_either_way_need_no_convention():
    assert column_convention("date", ["2019-01-03", "03/03/2019", "2019-12-25T10:00"]) is None


def test_a_column_with_both_readings_and_values_to_decide_stays_ambiguous():
    convention = column_convention("date", ["25/01/2019", "01/26/2019", "03/01/2019"])
    assert convention["decided"] == AMBIGUOUS and convention["mixed"]
    assert convention["samples"] == ["03/01/2019"] and convention["count"] == 1


def test_a_mixed_column_with_nothing_to_decide_reads_each_value_as_it_shows_itself():
    convention = column_convention("decimal", ["1,234.5", "12,5"])
    assert convention["decided"] == AUTO and convention["mixed"]
    assert parse_decimal("1,234.5", convention["decimal"]) == Decimal("1234.5")
    assert parse_decimal("12,5", convention["decimal"]) == Decimal("12.5")


# An Excel date cell, as calamine and openpyxl read it: a naive datetime.
EXCEL_DATE = datetime.datetime(2019, 1, 25)  # noqa: DTZ001


def test_real_number_and_date_cells_are_never_evidence():
    assert column_convention("decimal", [16780.0, 12.5, "16,780"])["decided"] == AMBIGUOUS
    dates = [EXCEL_DATE, datetime.date(2019, 1, 26), "03/01/2019"]
    assert column_convention("date", dates)["decided"] == AMBIGUOUS
    assert column_convention("date", [EXCEL_DATE]) is None


def test_a_value_that_can_be_read_two_ways_is_never_read_without_a_convention():
    with pytest.raises(CellError) as error:
        parse_decimal("16,780")
    assert "16780 or 16.78" in str(error.value)
    with pytest.raises(CellError) as error:
        parse_date("03/01/2019")
    assert "2019-01-03 or 2019-03-01" in str(error.value)
    assert parse_decimal("16,780", ".") == 16780 and parse_decimal("16,780", ",") == Decimal(
        "16.78"
    )
    assert parse_date("03/01/2019", MONTH_FIRST) == datetime.date(2019, 3, 1)


@pytest.mark.parametrize("text", ["1,2,3", "12,34,567", "1.234,5.6", "1,23.4"])
def test_thousands_separators_out_of_groups_of_three_are_not_a_number(text):
    with pytest.raises(CellError):
        parse_decimal(text, ".")


# --- The upload: decided from the file, or asked -----------------------------------------


def test_a_thousands_comma_is_not_read_as_a_decimal_comma_without_a_word(
    national_admin, django_capture_on_commit_callbacks
):
    content = _csv(("P-1", "2019-01-03", "16,780"))
    upload = _upload(national_admin, content, django_capture_on_commit_callbacks)
    assert upload.status == UploadStatus.AWAITING and upload.errors == []
    assert upload.conventions["quantity"]["decided"] == AMBIGUOUS
    assert upload.conventions["quantity"]["samples"] == ["16,780"]
    assert not service.upload_can_confirm(upload)
    with pytest.raises(PermissionDenied):
        service.upload_confirm(upload=upload, user=national_admin, existing="update")

    upload = _answer(upload, national_admin, django_capture_on_commit_callbacks, quantity=".")
    assert upload.status == UploadStatus.AWAITING, upload.message
    assert upload.conventions["quantity"]["decided"] == USER
    _import(upload, national_admin, django_capture_on_commit_callbacks)
    assert _quantities() == {"P-1": Decimal("16780")}


def test_a_thousands_comma_is_decided_by_another_value_of_the_column(
    national_admin, django_capture_on_commit_callbacks
):
    content = _csv(("P-1", "2019-01-03", "16,780"), ("P-2", "2019-01-03", "1,234.5"))
    upload = _upload(national_admin, content, django_capture_on_commit_callbacks)
    assert upload.conventions["quantity"] == {
        "decimal": ".",
        "thousands": ",",
        "decided": AUTO,
        "samples": ["16,780"],
        "count": 1,
        "shown_by": "1,234.5",
    }
    assert service.upload_can_confirm(upload)
    _import(upload, national_admin, django_capture_on_commit_callbacks)
    assert _quantities() == {"P-1": Decimal("16780"), "P-2": Decimal("1234.5")}


def test_month_first_dates_are_read_month_first_when_the_file_shows_it(
    national_admin, django_capture_on_commit_callbacks
):
    content = _csv(
        ("P-1", "03/01/2019 12:00:00 AM", "1"),
        ("P-2", "01/25/2019 12:00:00 AM", "1"),
    )
    upload = _upload(national_admin, content, django_capture_on_commit_callbacks)
    assert upload.errors == [] and upload.conventions["seizure_date"]["order"] == MONTH_FIRST
    _import(upload, national_admin, django_capture_on_commit_callbacks)
    assert _dates() == {"P-1": datetime.date(2019, 3, 1), "P-2": datetime.date(2019, 1, 25)}


def test_day_first_dates_are_read_day_first_when_the_file_shows_it(
    national_admin, django_capture_on_commit_callbacks
):
    content = _csv(("P-1", "03/01/2019", "1"), ("P-2", "25/01/2019", "1"))
    upload = _upload(national_admin, content, django_capture_on_commit_callbacks)
    assert service.upload_can_confirm(upload)
    _import(upload, national_admin, django_capture_on_commit_callbacks)
    assert _dates() == {"P-1": datetime.date(2019, 1, 3), "P-2": datetime.date(2019, 1, 25)}


def test_the_preview_asks_and_its_switch_changes_the_stored_values(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    content = _csv(("P-1", "03/01/2019", "16,780"), ("P-2", "04/02/2019", "16,780"))
    upload = _upload(national_admin, content, django_capture_on_commit_callbacks)
    client = as_user(national_admin)
    page = client.get(upload.get_absolute_url()).content.decode()
    assert "How should these values be read?" in page
    assert (
        "In the column “Date of seizure”, 2 values can be read two ways, and nothing in "
        "the file decides it." in page
    )
    assert "<code>03/01/2019</code> → Jan. 3, 2019" in page
    assert "Read 03/01/2019 as March 1, 2019" in page
    assert "<code>16,780</code> → 16.78" in page and "Read 16,780 as 16780" in page
    assert 'data-testid="upload-confirm"' not in page

    url = reverse("seizures:upload-conventions", args=[upload.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"column": "seizure_date", "reading": MONTH_FIRST})
    upload.refresh_from_db()
    assert upload.conventions["seizure_date"]["decided"] == USER
    assert upload.conventions["quantity"]["decided"] == AMBIGUOUS
    page = client.get(upload.get_absolute_url()).content.decode()
    assert "<code>03/01/2019</code> → March 1, 2019" in page
    assert 'data-testid="upload-confirm"' not in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"column": "quantity", "reading": ","})  # read as shown
    upload.refresh_from_db()
    page = client.get(upload.get_absolute_url()).content.decode()
    assert 'data-testid="upload-confirm"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("seizures:upload-confirm", args=[upload.pk]), {"existing": "update"})
    assert _dates() == {"P-1": datetime.date(2019, 3, 1), "P-2": datetime.date(2019, 4, 2)}
    assert _quantities() == {"P-1": Decimal("16.78"), "P-2": Decimal("16.78")}
    assert AuditEvent.objects.filter(action=AuditAction.UPLOAD_CONVENTIONS_SET).count() == 2


def test_reading_as_shown_does_not_check_the_file_again(
    national_admin, django_capture_on_commit_callbacks
):
    upload = _upload(
        national_admin,
        _csv(("P-1", "03/01/2019", "1")),
        django_capture_on_commit_callbacks,
    )
    checked_at = upload.checked_at
    upload = _answer(
        upload, national_admin, django_capture_on_commit_callbacks, seizure_date=DAY_FIRST
    )
    assert upload.checked_at == checked_at and service.upload_can_confirm(upload)
    event = AuditEvent.objects.get(action=AuditAction.UPLOAD_CONVENTIONS_SET)
    assert event.details["choices"] == {"seizure_date": DAY_FIRST}
    assert event.details["checked_again"] is False


def test_a_mixed_column_asks_for_the_values_it_leaves_open_and_reads_the_others_as_shown(
    national_admin, django_capture_on_commit_callbacks
):
    content = _csv(
        ("P-1", "03/01/2019", "1"),
        ("P-2", "25/01/2019", "1"),
        ("P-3", "01/30/2019", "1"),
    )
    upload = _upload(national_admin, content, django_capture_on_commit_callbacks)
    assert upload.conventions["seizure_date"]["decided"] == AMBIGUOUS
    assert upload.conventions["seizure_date"]["mixed"] is True
    upload = _answer(
        upload, national_admin, django_capture_on_commit_callbacks, seizure_date=MONTH_FIRST
    )
    _import(upload, national_admin, django_capture_on_commit_callbacks)
    assert _dates() == {
        "P-1": datetime.date(2019, 3, 1),
        "P-2": datetime.date(2019, 1, 25),
        "P-3": datetime.date(2019, 1, 30),
    }


@pytest.mark.parametrize(
    "choices",
    [{}, {"seizure_date": "ymd"}, {"quantity": "."}, {"country": DAY_FIRST}],
)
def test_a_choice_not_offered_is_refused_with_a_message(
    national_admin, django_capture_on_commit_callbacks, choices
):
    upload = _upload(
        national_admin, _csv(("P-1", "03/01/2019", "1")), django_capture_on_commit_callbacks
    )
    with pytest.raises(BadAnswer) as error:
        service.upload_conventions_set(upload=upload, user=national_admin, choices=choices)
    assert str(error.value)
    upload.refresh_from_db()
    assert upload.conventions["seizure_date"]["decided"] == AMBIGUOUS


def test_a_choice_without_its_column_is_refused_with_a_message_on_the_page(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    upload = _upload(
        national_admin, _csv(("P-1", "03/01/2019", "1")), django_capture_on_commit_callbacks
    )
    client = as_user(national_admin)
    url = reverse("seizures:upload-conventions", args=[upload.pk])
    page = client.post(url, {"reading": "mdy"}, follow=True).content.decode()
    assert "Choose how to read the column." in page
    page = client.post(url, {"column": "seizure_date", "reading": "x"}, follow=True)
    assert "Choose one of the two readings offered." in page.content.decode()
    upload.refresh_from_db()
    assert upload.conventions["seizure_date"]["decided"] == AMBIGUOUS


def test_the_choice_checks_ownership(
    as_user, make_user, kenya, national_admin, django_capture_on_commit_callbacks
):
    upload = _upload(
        national_admin, _csv(("P-1", "03/01/2019", "1")), django_capture_on_commit_callbacks
    )
    client = as_user(make_user(kenya, Role.NATIONAL_ADMIN))
    url = reverse("seizures:upload-conventions", args=[upload.pk])
    assert client.post(url, {"column": "seizure_date", "reading": "mdy"}).status_code == 404
    upload.refresh_from_db()
    assert upload.conventions["seizure_date"]["decided"] == AMBIGUOUS


def test_an_imported_upload_cannot_be_read_another_way(
    national_admin, django_capture_on_commit_callbacks
):
    upload = _upload(
        national_admin, _csv(("P-1", "25/01/2019", "1,5")), django_capture_on_commit_callbacks
    )
    _import(upload, national_admin, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        service.upload_conventions_set(
            upload=upload, user=national_admin, choices={"quantity": "."}
        )


def test_real_excel_cells_are_read_as_they_are_and_text_beside_them_is_asked(
    national_admin, django_capture_on_commit_callbacks
):
    rows = [
        {**CASE_ROW, "national_reference": "X-1", "quantity": 16780, "seizure_date": "2019-01-03"},
        {
            **CASE_ROW,
            "national_reference": "X-2",
            "quantity": "16,780",
            "seizure_date": EXCEL_DATE,
        },
        {**CASE_ROW, "national_reference": "X-3", "quantity": 2.5, "seizure_date": "03/01/2019"},
    ]
    upload = _upload(
        national_admin, filled_template(rows), django_capture_on_commit_callbacks, "cases.xlsx"
    )
    assert upload.errors == [], upload.errors
    assert upload.conventions["quantity"]["decided"] == AMBIGUOUS
    assert upload.conventions["seizure_date"]["decided"] == AMBIGUOUS
    upload = _answer(
        upload,
        national_admin,
        django_capture_on_commit_callbacks,
        quantity=".",
        seizure_date=MONTH_FIRST,
    )
    _import(upload, national_admin, django_capture_on_commit_callbacks)
    assert _quantities() == {"X-1": 16780, "X-2": 16780, "X-3": Decimal("2.5")}
    assert _dates() == {
        "X-1": datetime.date(2019, 1, 3),
        "X-2": datetime.date(2019, 1, 25),
        "X-3": datetime.date(2019, 3, 1),
    }


def test_the_template_says_that_ambiguous_values_are_asked(db):
    from seizures.imports.template import template_build

    with translation.override("en"):
        book = openpyxl.load_workbook(io.BytesIO(template_build()))
    text = " ".join(str(row[0].value) for row in book["Instructions"].iter_rows() if row[0].value)
    assert "can be read two ways" in text
    assert [column.key for column in CASE_SHEET_COLUMNS if column.kind == "date"] == [
        "seizure_date"
    ]


# --- The API -------------------------------------------------------------------------------


@pytest.fixture
def api(client_factory, national_admin):
    client = client_factory()
    _key, secret = api_key_create(actor=national_admin, name="National seizure system")
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {secret}"
    return client


def _case(reference, **changes):
    return {
        "national_reference": reference,
        "seizure_date": "2019-01-03",
        "country": "FR",
        "transport_mode": "AIR_PASSENGER",
        "detection_method": "DETECTOR_DOG",
        "lines": [{"commodity_type": "COCAINE", "quantity": "1", "unit": "KG"}],
        **changes,
    }


def _post(api, name, body, **kwargs):
    return api.post(reverse(name, **kwargs), json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"lines": [{"commodity_type": "COCAINE", "quantity": "16,780", "unit": "KG"}]},
            "lines-0-quantity",
            "“16,780” may be 16780 or 16.78: write 16780 or 16.78, or send a JSON number.",
        ),
        (
            {"seizure_date": "03/01/2019"},
            "seizure_date",
            "“03/01/2019” may be Jan. 3, 2019 or March 1, 2019: write it as 2019-01-03 or "
            "2019-03-01.",
        ),
    ],
)
def test_an_ambiguous_string_in_the_api_is_an_error_asking_for_a_clear_form(
    api, changes, field, message
):
    response = _post(api, "api:case-create", _case("A-1", **changes))
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["errors"] == {field: [message]}
    assert not Case.objects.exists()


def test_a_batch_decides_its_strings_from_its_own_values_and_json_numbers_are_numbers(api):
    def line(quantity):
        return [{"commodity_type": "COCAINE", "quantity": quantity, "unit": "KG"}]

    cases = [
        _case("A-1", lines=line("16,780"), seizure_date="03/01/2019"),
        _case("A-2", lines=line("1,234.5"), seizure_date="01/25/2019"),
        _case("A-3", lines=line(16.78)),
    ]
    response = _post(api, "api:case-batch", {"cases": cases})
    assert response.status_code == 200, response.content
    assert _quantities() == {
        "A-1": Decimal("16780"),
        "A-2": Decimal("1234.5"),
        "A-3": Decimal("16.78"),
    }
    assert _dates()["A-1"] == datetime.date(2019, 3, 1)


def test_the_api_returns_every_error_page_by_page(
    api, national_admin, django_capture_on_commit_callbacks
):
    content = _csv(*((f"E-{number}", "2019-01-03", "x") for number in range(1500)))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(reverse("api:upload-create"), {"file": as_file(content, "e.csv")})
    first = api.get(reverse("api:upload-detail", args=[response.json()["id"]])).json()
    assert first["status"] == UploadStatus.INVALID and first["error_count"] == 1500
    assert len(first["errors"]) == 1000 and first["errors_page"] == 1
    assert set(first["errors"][0]) == {"sheet", "row", "column", "index", "message"}
    second = api.get(first["errors_next"]).json()
    assert len(second["errors"]) == 500 and second["errors_next"] is None
    rows = [error["row"] for error in first["errors"] + second["errors"]]
    assert rows == list(range(2, 1502))
    bad = api.get(reverse("api:upload-detail", args=[first["id"]]), {"errors_page": "0"})
    assert bad.status_code == 400 and "errors_page" in bad.json()["detail"]


def test_the_api_shows_the_conventions_and_takes_the_choice(
    api, national_admin, django_capture_on_commit_callbacks
):
    content = _csv(("P-1", "03/01/2019", "16,780"))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(reverse("api:upload-create"), {"file": as_file(content, "p.csv")})
    pk = response.json()["id"]
    upload = api.get(reverse("api:upload-detail", args=[pk])).json()
    assert upload["conventions"]["seizure_date"]["decided"] == AMBIGUOUS
    refused = _post(api, "api:upload-confirm", {"existing": "update"}, args=[pk])
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "Some columns can be read two ways: choose how to read them before importing."
    )

    bad = _post(api, "api:upload-conventions", {"choices": {"quantity": "x"}}, args=[pk])
    assert bad.status_code == 400 and bad.json()["detail"]
    assert _post(api, "api:upload-conventions", {"choices": []}, args=[pk]).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        answered = _post(
            api,
            "api:upload-conventions",
            {"choices": {"seizure_date": "mdy", "quantity": "."}},
            args=[pk],
        )
    assert answered.status_code == 202, answered.content
    upload = api.get(reverse("api:upload-detail", args=[pk])).json()
    assert upload["status"] == UploadStatus.AWAITING
    assert upload["conventions"]["quantity"]["decided"] == USER
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = _post(api, "api:upload-confirm", {"existing": "update"}, args=[pk])
    assert confirmed.status_code == 202
    assert _quantities() == {"P-1": Decimal("16780")}
    assert _dates() == {"P-1": datetime.date(2019, 3, 1)}
    again = _post(api, "api:upload-conventions", {"choices": {"quantity": ","}}, args=[pk])
    assert again.status_code == 409


def test_the_preview_shows_numbers_with_the_users_own_decimal_separator(
    national_admin, django_capture_on_commit_callbacks
):
    from seizures.imports.columns import convention_questions

    upload = _upload(
        national_admin, _csv(("P-1", "2019-01-03", "16,780")), django_capture_on_commit_callbacks
    )
    with translation.override("fr"):
        [question] = convention_questions(upload.conventions)
    assert question["samples"] == [{"text": "16,780", "now": "16,78", "other": "16780"}]


def test_the_preview_says_which_value_decided_a_column_and_offers_the_other_reading(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    content = _csv(("P-1", "03/01/2019", "1"), ("P-2", "01/25/2019", "1"))
    upload = _upload(national_admin, content, django_capture_on_commit_callbacks)
    page = as_user(national_admin).get(upload.get_absolute_url()).content.decode()
    assert (
        "In the column “Date of seizure”, 1 value can be read two ways; the column's value "
        "01/25/2019 decides how. It is read as:" in page
    )
    assert "<code>03/01/2019</code> → March 1, 2019" in page
    assert "Read 03/01/2019 as Jan. 3, 2019" in page
    assert 'data-testid="upload-confirm"' in page
    assert 'data-testid="convention-keep"' not in page
