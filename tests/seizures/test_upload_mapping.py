"""A file's own columns and values, mapped once: suggestions, value questions,
profiles per administration, summary rows left out."""

import io
import json

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditAction, AuditEvent, Role
from accounts.services import api_key_create
from seizures.imports import mapping, service
from seizures.models import Case, MappingProfile, Upload, UploadStatus

from .uploads import CASE_ROW, as_file, filled_template


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


HEADERS = [
    "Referencia",
    "Fecha",
    "Sustancia",
    "Cantidad",
    "Unidad",
    "País",
    "Medio de transporte",
    "Método de detección",
    "Observaciones",
]
ROWS = [
    ["PN-1", "2026-03-14", "MARIHUANA", "12.5", "GRAMO", "Francia", "Airfrieght", "Perro detector"],
    ["PN-2", "2026-03-15", "Cocaína", "3", "kg", "Francia", "Pasajeros aéreos", "Perro detector"],
    ["PN-3", "2026-03-16", "marihuana", "40", "Gramo", "Francia", "AIRFRIEGHT", "Inteligencia"],
]
# What the page would send for the columns above: Sustancia is not suggested.
COLUMNS = [
    {"key": key, "split": ""}
    for key in (
        "national_reference",
        "seizure_date",
        "commodity_type",
        "quantity",
        "unit",
        "country",
        "transport_mode",
        "detection_method",
        "",
    )
]
ANSWERS = {
    "commodity_type": {"marihuana": "CANNABIS_HERB"},
    "unit": {"gramo": "G"},
    "transport_mode": {"airfrieght": "AIR_CARGO"},
}


def csv_file(headers=HEADERS, rows=ROWS) -> bytes:
    lines = [",".join(headers)] + [",".join(f'"{cell}"' for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def upload_file(user, content, capture, name="registro.csv", **options):
    with translation.override("en"), capture(execute=True):
        upload = service.upload_create(user=user, file=as_file(content, name), **options)
    upload.refresh_from_db()
    return upload


def map_upload(upload, user, capture, columns=COLUMNS, values=None, **options):
    with translation.override("en"), capture(execute=True):
        mapping.upload_mapping_set(
            upload=upload, user=user, columns=columns, values=values or {}, **options
        )
    upload.refresh_from_db()
    return upload


def confirm(upload, user, capture):
    with capture(execute=True):
        service.upload_confirm(upload=upload, user=user, existing="update")
    upload.refresh_from_db()
    return upload


def mapped_and_answered(user, capture, **options):
    upload = upload_file(user, csv_file(), capture)
    upload = map_upload(upload, user, capture)
    return map_upload(upload, user, capture, values=ANSWERS, **options)


def test_a_file_with_its_own_headers_needs_a_mapping_with_suggested_columns(
    national_admin, django_capture_on_commit_callbacks
):
    upload = upload_file(national_admin, csv_file(), django_capture_on_commit_callbacks)
    assert upload.status == UploadStatus.NEEDS_MAPPING and upload.message == ""
    assert upload.mapping["headers"] == HEADERS
    assert upload.mapping["suggested"] == [
        "national_reference",
        "seizure_date",
        "",
        "quantity",
        "unit",
        "country",
        "transport_mode",
        "detection_method",
        "",
    ]
    assert upload.mapping["samples"][2] == ["MARIHUANA", "Cocaína", "marihuana"]
    assert upload.errors == [] and not service.upload_can_confirm(upload)
    assert not Case.objects.exists()


def test_the_columns_mapped_then_the_unknown_values_are_asked_once_each(
    national_admin, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    upload = map_upload(upload_file(national_admin, csv_file(), capture), national_admin, capture)
    assert upload.status == UploadStatus.NEEDS_MAPPING
    questions = {
        key: [(q["value"], q["count"], q["suggested"]) for q in asked]
        for key, asked in upload.mapping["questions"].items()
    }
    # "Cocaína", "kg", "Pasajeros aéreos", "Francia", "Perro detector" are ours already.
    assert questions == {
        "commodity_type": [("MARIHUANA", 2, "")],
        "unit": [("GRAMO", 2, "G")],
        "transport_mode": [("Airfrieght", 2, "")],
    }
    assert AuditEvent.objects.filter(action=AuditAction.UPLOAD_MAPPING_SET).count() == 1


def test_the_mapped_values_are_the_ones_imported(
    national_admin, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    upload = mapped_and_answered(national_admin, capture)
    assert upload.status == UploadStatus.AWAITING, (upload.errors, upload.mapping)
    assert upload.summary["cases_new"] == 3
    confirm(upload, national_admin, capture)
    assert upload.status == UploadStatus.DONE
    first = Case.objects.get(national_reference="PN-1")
    line = first.lines.get()
    assert (line.commodity_type.code, line.unit.code, str(line.quantity)) == (
        "CANNABIS_HERB",
        "G",
        "12.500",
    )
    assert first.transport_mode.code == "AIR_CARGO" and first.country.code == "FR"
    second = Case.objects.get(national_reference="PN-2")
    assert second.lines.get().commodity_type.code == "COCAINE"
    assert second.transport_mode.code == "AIR_PASSENGER"
    assert str(first.seizure_date) == "2026-03-14"
    assert Case.objects.get(national_reference="PN-3").detection_method.code == "INTELLIGENCE"


def test_a_value_left_as_it_is_is_not_asked_again_and_is_a_row_error(
    national_admin, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    upload = map_upload(upload_file(national_admin, csv_file(), capture), national_admin, capture)
    answers = {**ANSWERS, "commodity_type": {"marihuana": None}}
    upload = map_upload(upload, national_admin, capture, values=answers)
    assert upload.status == UploadStatus.INVALID
    assert {(e["row"], e["column"]) for e in upload.errors} == {(2, "Commodity"), (4, "Commodity")}
    assert "MARIHUANA" in upload.errors[0]["message"]
    # The errors shown, the answer can still be changed, and the file checked again.
    upload = map_upload(upload, national_admin, capture, values=ANSWERS)
    assert upload.status == UploadStatus.AWAITING and upload.errors == []


def test_required_template_columns_must_be_mapped_and_not_twice(
    national_admin, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    upload = upload_file(national_admin, csv_file(), capture)
    columns = [dict(choice) for choice in COLUMNS]
    columns[2]["key"] = ""  # no commodity
    columns[8]["key"] = "quantity"  # twice
    with pytest.raises(mapping.MappingInvalid) as invalid:
        map_upload(upload, national_admin, capture, columns=columns)
    assert invalid.value.messages == [
        "The template column “Quantity” is chosen for two columns of the file.",
        "Choose the column of the file that gives “Commodity”.",
    ]
    upload.refresh_from_db()
    assert upload.status == UploadStatus.NEEDS_MAPPING and "columns" not in upload.mapping


def test_a_profile_is_saved_applied_to_the_next_file_with_the_same_headers_and_edited(
    national_admin, make_user, france, as_user, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    mapped_and_answered(national_admin, capture, profile_name="Police register")
    profile = MappingProfile.objects.get()
    assert (profile.name, profile.administration, profile.created_by) == (
        "Police register",
        france,
        national_admin,
    )
    assert profile.columns == COLUMNS and profile.values == ANSWERS
    assert AuditEvent.objects.filter(
        action=AuditAction.MAPPING_PROFILE_SAVED, object_id=str(profile.pk)
    ).exists()

    # Another uploader of the same administration; headers differing only by case and accents.
    colleague = make_user(france, Role.NATIONAL_ADMIN)
    headers = [header.upper() for header in HEADERS]
    headers[5] = "PAIS"
    rows = [["PN-9", "2026-04-01", "Marihuana", "2", "gramo", "FR", "Airfrieght", "Inteligencia"]]
    upload = upload_file(colleague, csv_file(headers, rows), capture)
    assert upload.status == UploadStatus.AWAITING, upload.mapping
    assert upload.profile == profile
    page = as_user(colleague).get(upload.get_absolute_url()).content.decode()
    assert "The mapping profile “Police register” of your administration was applied" in page

    # The colleague edits it: marihuana is resin after all, and the profile is renamed.
    url = reverse("seizures:mapping-profile-detail", args=[profile.pk])
    form = as_user(colleague).get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    marihuana = next(name for name in form.fields if form.fields[name].label == "marihuana")
    data.update({marihuana: "CANNABIS_RESIN", "profile_name": "Police register 2026"})
    response = as_user(colleague).post(url, data)
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.name == "Police register 2026"
    assert profile.values["commodity_type"] == {"marihuana": "CANNABIS_RESIN"}
    assert profile.values["unit"] == {"gramo": "G"}

    upload = upload_file(national_admin, csv_file(headers, rows), capture)
    confirm(upload, national_admin, capture)
    line = Case.objects.get(national_reference="PN-9").lines.get()
    assert line.commodity_type.code == "CANNABIS_RESIN"


def test_a_profile_is_chosen_on_the_upload_page(
    national_admin, as_user, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    mapped_and_answered(national_admin, capture)
    upload = upload_file(national_admin, csv_file(), capture)
    assert upload.status == UploadStatus.NEEDS_MAPPING  # no profile saved yet
    profile = mapping.mapping_profile_save(
        user=national_admin,
        name="Register",
        headers=HEADERS,
        columns=COLUMNS,
        values=ANSWERS,
    )
    # Saved only now: the check found none; the page offers it.
    page = as_user(national_admin).get(upload.get_absolute_url())
    assert list(page.context["profiles"]) == [profile]
    with capture(execute=True):
        response = as_user(national_admin).post(
            reverse("seizures:upload-profile-apply", args=[upload.pk]), {"profile": profile.pk}
        )
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING and upload.profile == profile


def test_the_mapping_is_saved_from_the_upload_page(
    national_admin, as_user, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    client = as_user(national_admin)
    upload = upload_file(national_admin, csv_file(), capture)
    page = client.get(upload.get_absolute_url())
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-testid="upload-mapping"' in content and "MARIHUANA · Cocaína" in content
    form = page.context["mapping_form"]
    data = {name: form[name].value() or "" for name in form.fields}
    assert data["column-0"] == "national_reference" and data["column-2"] == ""
    response = client.post(reverse("seizures:upload-mapping", args=[upload.pk]), data)
    assert response.status_code == 400
    assert "Choose the column of the file that gives “Commodity”." in response.content.decode()

    data["column-2"] = "commodity_type"
    with capture(execute=True):
        response = client.post(reverse("seizures:upload-mapping", args=[upload.pk]), data)
    assert response.status_code == 302
    page = client.get(upload.get_absolute_url())
    form = page.context["mapping_form"]
    assert [label for label, _rows in form.value_groups] == ["Transport mode", "Commodity", "Unit"]
    data = {name: form[name].value() or "" for name in form.fields}
    assert data["value-unit-0"] == "G"  # suggested: "gramo (g)"
    data.update({"value-commodity_type-0": "CANNABIS_HERB", "value-transport_mode-0": "AIR_CARGO"})
    data["profile_name"] = "Register"
    with capture(execute=True):
        client.post(reverse("seizures:upload-mapping", args=[upload.pk]), data)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING
    assert upload.profile.name == "Register" and upload.profile.values == ANSWERS


def test_another_administration_cannot_see_or_use_the_profile(
    national_admin, make_user, kenya, as_user, client_factory, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    mapped_and_answered(national_admin, capture, profile_name="Police register")
    profile = MappingProfile.objects.get()
    other = make_user(kenya, Role.NATIONAL_ADMIN)
    client = as_user(other)
    url = reverse("seizures:mapping-profile-detail", args=[profile.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"profile_name": "Mine now"}).status_code == 404
    assert (
        "Police register"
        not in client.get(reverse("seizures:mapping-profile-list")).content.decode()
    )

    # Their file with the very same headers is not read with it…
    upload = upload_file(other, csv_file(), capture)
    assert upload.status == UploadStatus.NEEDS_MAPPING and upload.profile is None
    # …nor can they choose it, on the page or through the API.
    apply = reverse("seizures:upload-profile-apply", args=[upload.pk])
    assert client.post(apply, {"profile": profile.pk}).status_code == 404
    with pytest.raises(service.PermissionDenied):
        mapping.upload_profile_apply(upload=upload, user=other, profile=profile)
    api = client_factory()
    api.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {api_key_create(actor=other, name='k')[1]}"
    for value in (profile.pk, "Police register"):
        response = api.post(
            reverse("api:upload-create"), {"file": as_file(csv_file(), "r.csv"), "profile": value}
        )
        assert response.status_code == 404
    profile.refresh_from_db()
    assert profile.name == "Police register"
    assert Upload.objects.filter(profile=profile).count() == 1


def test_the_upload_mapping_views_check_ownership(
    national_admin, make_user, kenya, officer, as_user, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    upload = upload_file(national_admin, csv_file(), capture)
    other = as_user(make_user(kenya, Role.NATIONAL_ADMIN))
    data = {f"column-{index}": choice["key"] for index, choice in enumerate(COLUMNS)}
    assert other.post(reverse("seizures:upload-mapping", args=[upload.pk]), data).status_code == 404
    upload.refresh_from_db()
    assert upload.status == UploadStatus.NEEDS_MAPPING and "columns" not in upload.mapping
    client = as_user(officer)  # same administration, but not an uploader
    assert client.get(reverse("seizures:mapping-profile-list")).status_code == 404
    assert client.post(reverse("seizures:upload-mapping", args=[upload.pk]), data).status_code == (
        404
    )


def _with_total(rows):
    book = openpyxl.load_workbook(io.BytesIO(filled_template(rows)))
    sheet = book.worksheets[0]
    sheet.cell(row=len(rows) + 2, column=1, value="TOTAL")
    sheet.cell(row=len(rows) + 2, column=23, value=25)  # the quantity column: a sum
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_summary_row_is_left_out_with_a_note(
    national_admin, as_user, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    rows = [CASE_ROW, {**CASE_ROW, "national_reference": "FR-2"}]
    upload = upload_file(national_admin, _with_total(rows), capture, name="cases.xlsx")
    assert upload.status == UploadStatus.AWAITING, upload.errors
    assert upload.summary["cases_new"] == 2
    assert upload.summary["left_out"] == [{"sheet": "Cases", "row": 4, "text": "TOTAL"}]
    page = as_user(national_admin).get(upload.get_absolute_url()).content.decode()
    assert "Row 4 of the sheet “Cases” (“TOTAL”) is a summary row: it was left out." in page


@pytest.mark.parametrize("word", ["Total", "Totals", "Total general", "Итого", "المجموع"])
def test_a_summary_row_of_a_files_own_columns_is_left_out_too(
    national_admin, django_capture_on_commit_callbacks, word
):
    capture = django_capture_on_commit_callbacks
    rows = [*ROWS, [word, "", "", "55.5", "", "", "", ""]]
    upload = upload_file(national_admin, csv_file(rows=rows), capture)
    upload = map_upload(upload, national_admin, capture, values=ANSWERS)
    assert upload.status == UploadStatus.AWAITING, upload.errors
    assert upload.summary["left_out"] == [{"sheet": "Cases", "row": 5, "text": word}]


def test_a_city_country_cell_and_a_comma_separated_list_are_split(
    national_admin, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    headers = [*HEADERS[:5], "Ciudad y país", *HEADERS[6:8], "Ocultación"]
    rows = [
        [*ROWS[1][:5], "Roissy, Francia", *ROWS[1][6:8], "En el equipaje, Passenger - Clothing"],
    ]
    upload = upload_file(national_admin, csv_file(headers, rows), capture)
    columns = [dict(choice) for choice in COLUMNS]
    columns[5] = {"key": "country", "split": "last"}
    columns[8] = {"key": "concealment_methods", "split": "list"}
    upload = map_upload(upload, national_admin, capture, columns=columns)
    assert upload.mapping["questions"] == {
        "concealment_methods": [
            {"value": "Passenger - Clothing", "count": 1, "suggested": "IN_CLOTHING"}
        ]
    }
    answers = {"concealment_methods": {"passenger - clothing": "IN_CLOTHING"}}
    upload = map_upload(upload, national_admin, capture, columns=columns, values=answers)
    assert upload.status == UploadStatus.AWAITING, upload.errors
    confirm(upload, national_admin, capture)
    case = Case.objects.get()
    assert case.country.code == "FR"
    assert {m.code for m in case.concealment_methods.all()} == {"IN_LUGGAGE", "IN_CLOTHING"}


def test_a_list_cut_is_refused_for_a_column_of_one_value(
    national_admin, django_capture_on_commit_callbacks
):
    columns = [dict(choice) for choice in COLUMNS]
    columns[5]["split"] = "list"
    assert mapping.column_map_problems(columns) == [
        "The template column “Country of seizure” takes one value, not a list."
    ]


def test_a_template_with_one_renamed_column_needs_a_mapping(
    national_admin, django_capture_on_commit_callbacks
):
    book = openpyxl.load_workbook(io.BytesIO(filled_template([CASE_ROW])))
    book.worksheets[0]["B1"] = "When"
    out = io.BytesIO()
    book.save(out)
    upload = upload_file(
        national_admin, out.getvalue(), django_capture_on_commit_callbacks, "cases.xlsx"
    )
    assert upload.status == UploadStatus.NEEDS_MAPPING
    suggested = upload.mapping["suggested"]
    assert suggested[0] == "national_reference" and suggested[1] == ""
    assert suggested[2] == "country" and upload.mapping["samples"][1] == ["2026-03-14"]


def test_the_api_says_the_upload_needs_a_mapping_and_takes_a_profile(
    national_admin, client_factory, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    api = client_factory()
    api.defaults["HTTP_AUTHORIZATION"] = (
        f"Api-Key {api_key_create(actor=national_admin, name='k')[1]}"
    )
    with capture(execute=True):
        response = api.post(reverse("api:upload-create"), {"file": as_file(csv_file(), "r.csv")})
    assert response.status_code == 202
    state = api.get(reverse("api:upload-detail", args=[response.json()["id"]])).json()
    assert state["status"] == "mapping" and state["needs_mapping"] is True
    assert state["headers"] == HEADERS and state["suggested_columns"][0] == "national_reference"
    assert state["profile"] is None

    profile = mapping.mapping_profile_save(
        user=national_admin, name="Register", headers=HEADERS, columns=COLUMNS, values=ANSWERS
    )
    for value in (profile.pk, "Register"):
        with capture(execute=True):
            response = api.post(
                reverse("api:upload-create"),
                {"file": as_file(csv_file(), "r.csv"), "profile": value},
            )
        state = api.get(reverse("api:upload-detail", args=[response.json()["id"]])).json()
        assert state["status"] == "awaiting" and state["needs_mapping"] is False
        assert state["profile"] == {"id": profile.pk, "name": "Register"}
        assert state["columns"] == COLUMNS
    missing = api.post(
        reverse("api:upload-create"), {"file": as_file(csv_file(), "r.csv"), "profile": "Nope"}
    )
    assert missing.status_code == 404
    assert json.loads(missing.content)["detail"]


def test_a_profile_named_for_other_headers_is_not_applied(
    national_admin, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    other_headers = [*HEADERS[:8], "Notas"]
    profile = mapping.mapping_profile_save(
        user=national_admin, name="Other", headers=other_headers, columns=COLUMNS, values=ANSWERS
    )
    upload = upload_file(national_admin, csv_file(), capture, profile=profile)
    assert upload.status == UploadStatus.NEEDS_MAPPING
    assert upload.profile is None and "columns" not in upload.mapping
    assert upload.mapping["values"] == ANSWERS  # the answers about values still hold
    assert upload.mapping["headers"] == HEADERS


def test_a_profile_cannot_take_the_name_of_another(national_admin):
    first = mapping.mapping_profile_save(
        user=national_admin, name="First", headers=HEADERS, columns=COLUMNS, values={}
    )
    mapping.mapping_profile_save(
        user=national_admin, name="Second", headers=HEADERS, columns=COLUMNS, values={}
    )
    with pytest.raises(mapping.MappingInvalid) as invalid:
        mapping.mapping_profile_save(
            user=national_admin,
            profile=first,
            name="Second",
            headers=HEADERS,
            columns=COLUMNS,
            values={},
        )
    assert invalid.value.messages == ["Your administration already has a profile named “Second”."]
    # Saving under a name already taken, without naming the profile, updates that one.
    mapping.mapping_profile_save(
        user=national_admin, name="First", headers=HEADERS, columns=COLUMNS, values=ANSWERS
    )
    first.refresh_from_db()
    assert first.values == ANSWERS and MappingProfile.objects.count() == 2


def test_the_answers_of_the_administrations_profiles_are_suggested_for_other_headers(
    national_admin, make_user, kenya, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    mapped_and_answered(national_admin, capture, profile_name="Police register")
    headers = ["Ref", *HEADERS[1:]]  # another file: the profile does not apply
    upload = upload_file(national_admin, csv_file(headers), capture)
    assert upload.status == UploadStatus.NEEDS_MAPPING and upload.profile is None
    upload = map_upload(upload, national_admin, capture)
    suggested = {
        key: [(q["value"], q["suggested"]) for q in asked]
        for key, asked in upload.mapping["questions"].items()
    }
    assert suggested == {
        "commodity_type": [("MARIHUANA", "CANNABIS_HERB")],
        "unit": [("GRAMO", "G")],
        "transport_mode": [("Airfrieght", "AIR_CARGO")],
    }
    # Never another administration's answers.
    other = make_user(kenya, Role.NATIONAL_ADMIN)
    upload = map_upload(upload_file(other, csv_file(headers), capture), other, capture)
    assert upload.mapping["questions"]["commodity_type"][0]["suggested"] == ""


# --- One file column giving two template columns ---------------------------------------

PLACE_HEADERS = [*HEADERS[:5], "Ciudad y país", *HEADERS[6:8]]
PLACE_ROWS = [
    [*ROWS[1][:5], "Roissy, Francia", *ROWS[1][6:8]],
    [
        "PN-4",
        "2026-03-17",
        "Cocaína",
        "2",
        "kg",
        "Le Havre, FR",
        "Pasajeros aéreos",
        "Inteligencia",
    ],
]
# The city from the first part, the country from the last.
PLACE_COLUMNS = [
    *COLUMNS[:5],
    {"key": "place", "split": "first", "also": [{"key": "country", "split": "last"}]},
    *COLUMNS[6:8],
]


def test_a_city_country_cell_gives_the_place_and_the_country_of_seizure(
    national_admin, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    upload = upload_file(national_admin, csv_file(PLACE_HEADERS, PLACE_ROWS), capture)
    upload = map_upload(upload, national_admin, capture, columns=PLACE_COLUMNS)
    assert upload.status == UploadStatus.AWAITING, (upload.errors, upload.mapping)
    confirm(upload, national_admin, capture)
    cases = {case.national_reference: case for case in Case.objects.all()}
    assert (cases["PN-2"].place, cases["PN-2"].country.code) == ("Roissy", "FR")
    assert (cases["PN-4"].place, cases["PN-4"].country.code) == ("Le Havre", "FR")
    event = AuditEvent.objects.get(action=AuditAction.UPLOAD_MAPPING_SET)
    assert event.details["columns"]["place"] == event.details["columns"]["country"] == 5


def test_an_error_in_the_second_part_of_a_split_cell_points_at_that_column(
    national_admin, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    rows = [[*PLACE_ROWS[0][:5], "Roissy, Atlantis", *PLACE_ROWS[0][6:]]]
    upload = upload_file(national_admin, csv_file(PLACE_HEADERS, rows), capture)
    upload = map_upload(upload, national_admin, capture, columns=PLACE_COLUMNS)
    # "Atlantis" is no country: asked about, then left as it is, it is an error on column F.
    assert [q["value"] for q in upload.mapping["questions"]["country"]] == ["Atlantis"]
    upload = map_upload(
        upload,
        national_admin,
        capture,
        columns=PLACE_COLUMNS,
        values={"country": {"atlantis": None}},
    )
    assert upload.status == UploadStatus.INVALID
    assert [(e["row"], e["column"], e["index"]) for e in upload.errors] == [
        (2, "Country of seizure", 5)
    ]


def test_a_second_column_already_chosen_elsewhere_is_refused():
    columns = [dict(choice) for choice in COLUMNS]
    columns[0] = {**columns[0], "also": [{"key": "country", "split": "last"}]}
    assert mapping.column_map_problems(columns) == [
        "The template column “Country of seizure” is chosen for two columns of the file."
    ]
    columns[0]["also"] = [{"key": "transit", "split": "first"}]
    assert mapping.column_map_problems(columns) == []
    columns[0]["also"] = [{"key": "country", "split": "list"}]
    assert "The template column “Country of seizure” takes one value, not a list." in (
        mapping.column_map_problems(columns)
    )


def test_the_second_column_is_chosen_on_the_page_saved_in_the_profile_and_applied_by_the_api(
    national_admin, as_user, client_factory, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    client = as_user(national_admin)
    upload = upload_file(national_admin, csv_file(PLACE_HEADERS, PLACE_ROWS), capture)
    form = client.get(upload.get_absolute_url()).context["mapping_form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "column-2": "commodity_type",
            "column-5": "place",
            "split-5": "first",
            "also-5": "country",
            "also-split-5": "last",
            "profile_name": "Register with places",
        }
    )
    with capture(execute=True):
        response = client.post(reverse("seizures:upload-mapping", args=[upload.pk]), data)
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING, upload.mapping
    profile = MappingProfile.objects.get()
    assert profile.columns[5] == PLACE_COLUMNS[5]
    assert "also" not in profile.columns[0]  # a column with one target is stored as before
    # The profile's page shows the second column chosen.
    page = client.get(profile.get_absolute_url())
    assert page.context["form"]["also-5"].value() == "country"

    api = client_factory()
    api.defaults["HTTP_AUTHORIZATION"] = (
        f"Api-Key {api_key_create(actor=national_admin, name='k')[1]}"
    )
    content = csv_file(PLACE_HEADERS, [[*PLACE_ROWS[1][:5], "Lyon, Francia", *PLACE_ROWS[1][6:]]])
    with capture(execute=True):
        response = api.post(
            reverse("api:upload-create"),
            {"file": as_file(content, "r.csv"), "profile": "Register with places"},
        )
    state = api.get(reverse("api:upload-detail", args=[response.json()["id"]])).json()
    assert state["status"] == "awaiting", state
    assert state["columns"][5] == PLACE_COLUMNS[5]
    with capture(execute=True):
        api.post(reverse("api:upload-confirm", args=[state["id"]]), {"existing": "update"})
    case = Case.objects.get(national_reference="PN-4")
    assert (case.place, case.country.code) == ("Lyon", "FR")


# --- Values mapped for a file with the template's own headers ---------------------------

TEMPLATE_ROWS = [
    {**CASE_ROW, "national_reference": "TP-1", "commodity_type": "MARIHUANA", "unit": "GRAMO"},
    {**CASE_ROW, "national_reference": "TP-2", "commodity_type": "marihuana", "unit": "Gramo"},
    {**CASE_ROW, "national_reference": "TP-3", "transport_mode": "Airfrieght"},
]


def test_a_template_file_with_values_of_its_own_is_asked_about_them_not_given_row_errors(
    national_admin, as_user, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    upload = upload_file(national_admin, filled_template(TEMPLATE_ROWS), capture, "cases.xlsx")
    assert upload.status == UploadStatus.NEEDS_MAPPING and upload.errors == []
    assert upload.mapping["template"] is True
    questions = {
        key: [(q["value"], q["count"], q["suggested"]) for q in asked]
        for key, asked in upload.mapping["questions"].items()
    }
    assert questions == {
        "commodity_type": [("MARIHUANA", 2, "")],
        "unit": [("GRAMO", 2, "G")],
        "transport_mode": [("Airfrieght", 1, "")],
    }
    # The page asks about the values only: the columns are the template's.
    client = as_user(national_admin)
    page = client.get(upload.get_absolute_url())
    content = page.content.decode()
    assert 'data-testid="mapping-values"' in content
    assert 'data-testid="mapping-columns"' not in content
    form = page.context["mapping_form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "value-commodity_type-0": "CANNABIS_HERB",
            "value-transport_mode-0": "AIR_CARGO",
            "profile_name": "Template with our words",
        }
    )
    with capture(execute=True):
        response = client.post(reverse("seizures:upload-mapping", args=[upload.pk]), data)
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING, (upload.errors, upload.mapping)
    profile = MappingProfile.objects.get()
    assert profile.columns == [] and profile.values == ANSWERS
    confirm(upload, national_admin, capture)
    lines = {
        line.case.national_reference: (line.commodity_type.code, line.unit.code)
        for line in Case.objects.get(national_reference="TP-1").lines.select_related("case")
    }
    assert lines == {"TP-1": ("CANNABIS_HERB", "G")}
    assert Case.objects.get(national_reference="TP-3").transport_mode.code == "AIR_CARGO"

    # The next template file of the administration is read with the profile by itself.
    rows = [{**row, "national_reference": f"N{row['national_reference']}"} for row in TEMPLATE_ROWS]
    upload = upload_file(national_admin, filled_template(rows), capture, "cases.xlsx")
    assert upload.status == UploadStatus.AWAITING, upload.mapping
    assert upload.profile == profile
    page = client.get(profile.get_absolute_url()).content.decode()
    assert 'data-testid="mapping-profile-template"' in page


def test_an_api_upload_of_the_template_gives_row_errors_for_values_not_ours(
    national_admin, client_factory, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    api = client_factory()
    api.defaults["HTTP_AUTHORIZATION"] = (
        f"Api-Key {api_key_create(actor=national_admin, name='k')[1]}"
    )
    content = filled_template([{**CASE_ROW, "unit": "kgs"}])
    with capture(execute=True):
        response = api.post(reverse("api:upload-create"), {"file": as_file(content)})
    state = api.get(reverse("api:upload-detail", args=[response.json()["id"]])).json()
    # No one could answer a question there: the automatic uploader gets its errors.
    assert state["status"] == "invalid" and state["value_questions"] == {}
    assert [error["column"] for error in state["errors"]] == ["Unit"]


def test_a_template_file_whose_values_are_ours_is_not_asked_anything(
    national_admin, django_capture_on_commit_callbacks
):
    upload = upload_file(
        national_admin, filled_template([CASE_ROW]), django_capture_on_commit_callbacks
    )
    assert upload.status == UploadStatus.AWAITING and upload.profile is None
    assert "questions" not in upload.mapping


def test_the_import_of_a_template_file_reports_a_value_gone_since_the_check_as_a_row_error(
    national_admin, django_capture_on_commit_callbacks
):
    from seizures.models import TransportMode

    capture = django_capture_on_commit_callbacks
    upload = upload_file(national_admin, filled_template([CASE_ROW]), capture)
    TransportMode.objects.filter(code="AIR_PASSENGER").update(is_active=False)
    Upload.objects.filter(pk=upload.pk).update(validated="")
    confirm(upload, national_admin, capture)
    assert upload.status == UploadStatus.INVALID
    assert upload.errors[0]["column"] == "Transport mode"


# --- Renaming and deleting a profile ----------------------------------------------------


def test_a_profile_is_renamed_by_an_uploader_of_its_administration_and_audited(
    national_admin, make_user, france, kenya, officer, as_user, django_capture_on_commit_callbacks
):
    profile = mapping.mapping_profile_save(
        user=national_admin, name="Register", headers=HEADERS, columns=COLUMNS, values=ANSWERS
    )
    mapping.mapping_profile_save(
        user=national_admin, name="Other", headers=HEADERS, columns=COLUMNS, values={}
    )
    url = reverse("seizures:mapping-profile-rename", args=[profile.pk])
    for stranger in (make_user(kenya, Role.NATIONAL_ADMIN), officer):
        assert as_user(stranger).post(url, {"name": "Theirs"}).status_code == 404
    colleague = as_user(make_user(france, Role.NATIONAL_ADMIN))
    response = colleague.post(url, {"name": "Other"}, follow=True)
    assert "Your administration already has a profile named “Other”." in (response.content.decode())
    assert colleague.post(url, {"name": "  "}).status_code == 302
    response = colleague.post(url, {"name": "x" * 101}, follow=True)
    assert "A profile&#x27;s name has at most 100 characters." in response.content.decode()
    response = colleague.post(url, {"name": "Reg\x00ister"}, follow=True)
    assert "contains a null character" in response.content.decode()
    profile.refresh_from_db()
    assert profile.name == "Register"
    assert colleague.post(url, {"name": "Police register"}).status_code == 302
    profile.refresh_from_db()
    assert profile.name == "Police register" and profile.values == ANSWERS
    event = AuditEvent.objects.get(action=AuditAction.MAPPING_PROFILE_RENAMED)
    assert event.object_id == str(profile.pk)
    assert event.details == {"name": "Police register", "renamed_from": "Register"}


def test_a_profile_is_deleted_and_the_upload_read_with_it_keeps_its_own_copy(
    national_admin, make_user, kenya, officer, as_user, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    upload = mapped_and_answered(national_admin, capture, profile_name="Police register")
    profile = upload.profile
    url = reverse("seizures:mapping-profile-delete", args=[profile.pk])
    for stranger in (make_user(kenya, Role.NATIONAL_ADMIN), officer):
        assert as_user(stranger).post(url).status_code == 404
    assert MappingProfile.objects.filter(pk=profile.pk).exists()
    client = as_user(national_admin)
    assert client.get(url).status_code == 405
    page = client.get(profile.get_absolute_url()).content.decode()
    assert 'data-testid="mapping-profile-delete"' in page

    assert client.post(url).status_code == 302
    assert not MappingProfile.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.MAPPING_PROFILE_DELETED)
    assert event.details["name"] == "Police register" and event.details["uploads"] == 1
    assert event.object_id == str(profile.pk)

    upload.refresh_from_db()
    assert upload.profile is None
    assert upload.mapping["columns"] == COLUMNS and upload.mapping["values"] == ANSWERS
    page = client.get(upload.get_absolute_url()).content.decode()
    assert "its own copy of the mapping profile “Police register”" in page
    # Checked again (a convention answered, say) and imported with its own copy.
    Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.CHECKING)
    with capture(execute=True):
        service.upload_check(upload=Upload.objects.get(pk=upload.pk))
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING, upload.mapping
    confirm(upload, national_admin, capture)
    assert Case.objects.get(national_reference="PN-1").lines.get().commodity_type.code == (
        "CANNABIS_HERB"
    )
    # A new file with the same headers finds no profile any more.
    upload = upload_file(national_admin, csv_file(), capture)
    assert upload.status == UploadStatus.NEEDS_MAPPING and upload.profile is None


def test_the_service_refuses_another_administrations_profile(national_admin, make_user, kenya):
    profile = mapping.mapping_profile_save(
        user=national_admin, name="Register", headers=HEADERS, columns=COLUMNS, values={}
    )
    other = make_user(kenya, Role.NATIONAL_ADMIN)
    with pytest.raises(service.PermissionDenied):
        mapping.mapping_profile_delete(user=other, profile=profile)
    with pytest.raises(service.PermissionDenied):
        mapping.mapping_profile_rename(user=other, profile=profile, name="Mine")
    profile.refresh_from_db()
    assert profile.name == "Register"


# --- The profile keeps the readings of numbers and dates --------------------------------


def _dated(dates, prefix="PN"):
    """The register's rows with these dates (each "03/01/2026" reads two ways)."""
    rows = []
    for number, date in enumerate(dates, start=1):
        row = list(ROWS[(number - 1) % len(ROWS)])
        row[0], row[1] = f"{prefix}-{number}", date
        rows.append(row)
    return csv_file(rows=rows)


def test_the_date_reading_chosen_is_kept_in_the_profile_and_taken_for_the_next_file(
    national_admin, as_user, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    upload = upload_file(
        national_admin, _dated(["03/01/2026", "04/02/2026", "11/12/2026"]), capture
    )
    upload = map_upload(upload, national_admin, capture)
    upload = map_upload(upload, national_admin, capture, values=ANSWERS, profile_name="Register")
    assert upload.conventions["seizure_date"]["decided"] == "ambiguous"
    with capture(execute=True):
        service.upload_conventions_set(
            upload=upload, user=national_admin, choices={"seizure_date": "mdy"}
        )
    profile = MappingProfile.objects.get()
    assert profile.conventions == {"seizure_date": {"order": "mdy"}}
    event = AuditEvent.objects.filter(
        action=AuditAction.MAPPING_PROFILE_SAVED, object_id=str(profile.pk)
    ).latest("pk")
    assert event.details["conventions"] == {"seizure_date": {"order": "mdy"}}
    page = as_user(national_admin).get(profile.get_absolute_url()).content.decode()
    assert "Date of seizure: month first (03/01/2019 is 1 March 2019)" in page

    # The next file with the same headers: nothing in it decides, the profile does.
    upload = upload_file(national_admin, _dated(["05/06/2026", "07/08/2026"], "NX"), capture)
    assert upload.profile == profile and upload.status == UploadStatus.AWAITING
    assert upload.conventions["seizure_date"]["decided"] == "profile"
    assert upload.conventions["seizure_date"]["order"] == "mdy"
    assert service.upload_can_confirm(upload)
    page = as_user(national_admin).get(upload.get_absolute_url()).content.decode()
    assert "is read as the mapping profile says" in page
    confirm(upload, national_admin, capture)
    assert str(Case.objects.get(national_reference="NX-1").seizure_date) == "2026-05-06"

    # A file whose own values show the other reading is asked again.
    upload = upload_file(national_admin, _dated(["25/01/2026", "03/01/2026"], "NY"), capture)
    convention = upload.conventions["seizure_date"]
    assert (convention["decided"], convention["order"], convention["profile"]) == (
        "ambiguous",
        "dmy",
        "mdy",
    )
    assert not service.upload_can_confirm(upload)
    page = as_user(national_admin).get(upload.get_absolute_url()).content.decode()
    assert 'data-testid="convention-profile-contradicted"' in page
    assert "its value 25/01/2026 in this file shows this reading" in page


def test_the_profile_reading_of_numbers_gives_way_to_the_files_own_values():
    from seizures.imports.conventions import file_conventions

    quantity = mapping.COLUMNS_BY_KEY["quantity"]
    preset = {"quantity": {"decimal": ","}}
    # "16,780" alone: the profile's decimal comma reads it 16.78.
    found = file_conventions([quantity], [{"quantity": "16,780"}], presets=preset)
    assert found["quantity"]["decimal"] == "," and found["quantity"]["decided"] == "profile"
    # "1,234.5" shows a decimal point: asked, the profile's reading beside it.
    rows = [{"quantity": "16,780"}, {"quantity": "1,234.5"}]
    found = file_conventions([quantity], rows, presets=preset)["quantity"]
    assert (found["decimal"], found["decided"], found["profile"]) == (".", "ambiguous", ",")
    # The user's own answer for this file wins over the profile.
    answers = {"quantity": {"decimal": ".", "decided": "user"}}
    found = file_conventions([quantity], [{"quantity": "16,780"}], answers, preset)["quantity"]
    assert (found["decimal"], found["decided"]) == (".", "user")


# --- The Offenders sheet of a file with its own headers ---------------------------------

OFFENDER_HEADERS = ["Ref. caso", "Papel", "Nacionalidad", "Sexo", "Notas"]


def _register_with_offenders() -> bytes:
    book = openpyxl.Workbook()
    cases = book.active
    cases.title = "Cases"
    cases.append(HEADERS)
    for row in ROWS:
        cases.append(row)
    offenders = book.create_sheet("Offenders")
    offenders.append(OFFENDER_HEADERS)
    offenders.append(["PN-1", "Courier", "Nigeria", "Male", "sin novedad"])
    offenders.append(["PN-1", "Sender", "CO", "", ""])
    offenders.append(["PN-3", "Passenger", "Francia", "Female", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_offenders_sheet_of_a_file_with_its_own_headers_is_mapped_like_the_cases_sheet(
    national_admin, as_user, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    client = as_user(national_admin)
    upload = upload_file(national_admin, _register_with_offenders(), capture, "registro.xlsx")
    upload = map_upload(upload, national_admin, capture, values=ANSWERS)
    # The Cases sheet mapped, its Offenders sheet is asked about, with suggestions.
    assert upload.status == UploadStatus.NEEDS_MAPPING, upload.message
    offenders = upload.mapping["offenders"]
    assert offenders["headers"] == OFFENDER_HEADERS
    assert offenders["suggested"] == ["", "", "nationality", "gender", ""]
    assert offenders["samples"][1] == ["Courier", "Sender", "Passenger"]
    page = client.get(upload.get_absolute_url())
    assert 'data-testid="mapping-offender-columns"' in page.content.decode()
    form = page.context["mapping_form"]
    data = {name: form[name].value() or "" for name in form.fields}
    with capture(execute=True):
        response = client.post(reverse("seizures:upload-mapping", args=[upload.pk]), data)
    assert response.status_code == 400
    assert "Choose the column of the Offenders sheet that gives “Role”." in (
        response.content.decode()
    )
    data.update(
        {
            "offender-column-0": "national_reference",
            "offender-column-1": "role",
            "profile_name": "Register with offenders",
        }
    )
    with capture(execute=True):
        response = client.post(reverse("seizures:upload-mapping", args=[upload.pk]), data)
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == UploadStatus.AWAITING, (upload.errors, upload.mapping)
    profile = MappingProfile.objects.get()
    assert profile.offenders["headers"] == OFFENDER_HEADERS
    assert [choice["key"] for choice in profile.offenders["columns"]] == [
        "national_reference",
        "role",
        "nationality",
        "gender",
        "",
    ]
    confirm(upload, national_admin, capture)
    first = Case.objects.get(national_reference="PN-1")
    assert sorted((o.role, o.nationality.code, o.gender) for o in first.offenders.all()) == [
        ("courier", "NG", "male"),
        ("sender", "CO", "unknown"),
    ]

    # The next such file is read with the profile, Offenders sheet included.
    upload = upload_file(national_admin, _register_with_offenders(), capture, "registro2.xlsx")
    assert upload.status == UploadStatus.AWAITING, upload.mapping
    assert upload.profile == profile


def test_the_offenders_sheet_of_a_template_file_must_still_be_the_templates(
    national_admin, django_capture_on_commit_callbacks
):
    book = openpyxl.load_workbook(io.BytesIO(filled_template([CASE_ROW])))
    book.worksheets[1]["B1"] = "Papel"
    out = io.BytesIO()
    book.save(out)
    upload = upload_file(
        national_admin, out.getvalue(), django_capture_on_commit_callbacks, "cases.xlsx"
    )
    assert upload.status == UploadStatus.FAILED
    assert "does not have the template's columns" in upload.message
