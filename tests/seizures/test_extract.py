import csv
import io
import sqlite3
import zipfile
from io import BytesIO

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from seizures import services
from seizures.models import CommodityLine, DatabaseExtract, RouteLeg


@pytest.fixture
def validated(officer, national_admin, cases):
    for case in cases.values():
        if case.administration == officer.administration:
            services.case_validate(user=national_admin, case=case)
    return [c for c in cases.values() if c.administration == officer.administration]


def test_the_extract_holds_every_validated_case_and_nothing_else(
    tmp_path, officer, make_case, validated, cases
):
    make_case(officer)  # a draft
    extract = services.extract_build()
    path = tmp_path / "extract.sqlite"
    path.write_bytes(extract.sqlite_file.read())
    database = sqlite3.connect(path)
    references = {row[0] for row in database.execute("SELECT reference FROM cases")}
    assert references == {case.reference for case in validated}
    assert extract.case_count == 2
    validated_ids = [c.pk for c in validated]
    assert database.execute("SELECT count(*) FROM commodity_lines").fetchone()[0] == (
        CommodityLine.objects.filter(case__in=validated_ids).count()
    )
    assert database.execute("SELECT count(*) FROM route_legs").fetchone()[0] == (
        RouteLeg.objects.filter(case__in=validated_ids).count()
    )
    labels = database.execute(
        "SELECT label_en, label_fr, label_es, label_ru, label_ar, label_pt FROM commodity_types"
        " WHERE code = 'COCAINE'"
    ).fetchone()
    assert all(labels) and labels[3] != labels[0]
    described = {
        (table, column)
        for table, column in database.execute("SELECT table_name, column_name FROM columns")
    }
    for (table,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for column in database.execute(f"PRAGMA table_info({table})"):
            assert table == "columns" or (table, column[1]) in described
    # No personal data and no national references in the global extract.
    case_columns = {column[1] for column in database.execute("PRAGMA table_info(cases)")}
    assert not case_columns & {"national_reference", "created_by", "validated_by"}


def test_the_csv_zip_has_a_file_per_table(validated):
    extract = services.extract_build()
    with zipfile.ZipFile(BytesIO(extract.csv_zip.read())) as archive:
        names = set(archive.namelist())
        assert {"cases.csv", "commodity_lines.csv", "columns.csv", "units.csv"} <= names
        lines = archive.read("cases.csv").decode("utf-8-sig").splitlines()
        assert len(lines) == 1 + len(validated)


def test_downloads_are_audited_and_open_to_members(as_user, analyst, validated):
    extract = services.extract_build()
    client = as_user(analyst)
    page = client.get(reverse("seizures:extract"))
    assert page.status_code == 200
    assert reverse("seizures:extract-download", args=[extract.pk, "csv"]) in page.content.decode()
    response = client.get(reverse("seizures:extract-download", args=[extract.pk, "sqlite"]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.EXTRACT_DOWNLOADED)
    assert event.actor == analyst and event.details == {"file": "sqlite", "cases": 2}


def test_only_wco_staff_ask_for_a_new_extract(
    as_user, analyst, wco_staff, validated, django_capture_on_commit_callbacks
):
    assert as_user(analyst).post(reverse("seizures:extract")).status_code == 403
    assert not DatabaseExtract.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        as_user(wco_staff).post(reverse("seizures:extract"))
    assert DatabaseExtract.objects.get().requested_by == wco_staff


def test_only_the_last_three_extracts_are_kept(validated):
    for _ in range(4):
        services.extract_build()
    assert DatabaseExtract.objects.count() == 3


def test_drafts_and_submitted_cases_stay_out(officer, make_case):
    make_case(officer)
    assert services.extract_build().case_count == 0


def test_an_unknown_file_kind_is_not_found(as_user, analyst, validated):
    extract = services.extract_build()
    response = as_user(analyst).get(reverse("seizures:extract-download", args=[extract.pk, "db"]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXTRACT_DOWNLOADED).exists()


def test_the_extract_page_describes_the_tables_in_the_users_language(as_user, analyst):
    analyst.language = "fr"
    analyst.save()
    page = as_user(analyst).get(reverse("seizures:extract")).content.decode()
    assert "Numéro de vol." in page and "Libellé (Arabe)." in page


def test_the_extract_file_describes_its_columns_in_english_whatever_the_language(
    tmp_path, validated
):
    from django.utils import translation

    with translation.override("ru"):
        extract = services.extract_build()
    path = tmp_path / "extract.sqlite"
    path.write_bytes(extract.sqlite_file.read())
    descriptions = dict(
        sqlite3.connect(path).execute(
            "SELECT column_name, description FROM columns WHERE table_name = 'units'"
        )
    )
    assert descriptions["code"] == "Stable code, used by the other tables."
    assert descriptions["label_ar"] == "Label in Arabic."


def test_a_text_a_spreadsheet_would_run_stays_text_in_the_csv_files(validated):
    """CSV has no types: a narrative starting with "=" would be a live formula in
    Excel. It is written with a leading apostrophe, as the exports write it; the
    SQLite file keeps the text as it is, and numbers stay numbers."""
    case = validated[0]
    hostile = '=HYPERLINK("http://example.org/","details")'
    type(case).objects.filter(pk=case.pk).update(narrative=hostile)
    extract = services.extract_build()
    with zipfile.ZipFile(BytesIO(extract.csv_zip.read())) as archive:
        text = archive.read("cases.csv").decode("utf-8-sig")
        lines = archive.read("commodity_lines.csv").decode("utf-8-sig")
    rows = {row["reference"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows[case.reference]["narrative"] == "'" + hostile
    assert not any(value.startswith("'") for value in rows[validated[1].reference].values())
    assert "'" not in lines  # quantities and ids as they are
