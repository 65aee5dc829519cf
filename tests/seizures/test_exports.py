import csv
import datetime
import io
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditAction, AuditEvent
from seizures.models import Export, ExportStatus
from seizures.search.forms import CaseSearchForm
from seizures.search.query import case_search


def export(client, query="", layout="case", columns="summary", file_format="xlsx", capture=None):
    with capture(execute=True):
        response = client.post(
            reverse("seizures:export-create"),
            {"query": query, "layout": layout, "columns": columns, "format": file_format},
        )
    done = Export.objects.latest("id")
    assert response.url == reverse("seizures:export-detail", args=[done.pk])
    return done


def ooxml_text(value: str) -> str:
    return re.sub(r"_x([0-9A-F]{4})_", lambda match: chr(int(match.group(1), 16)), value)


def read_xlsx(client, export_row):
    response = client.get(reverse("seizures:export-download", args=[export_row.pk]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def page_references(user, query):
    from django.http import QueryDict

    form = CaseSearchForm(QueryDict(query))
    assert form.is_valid()
    return list(
        case_search(user=user, filters=form.cleaned_data).values_list("reference", flat=True)
    )


@pytest.mark.parametrize(
    "query",
    [
        "",
        "sort=date",
        "sort=reference",
        "region=EUR",
        "date_from=2026-01-01",
        "country=KE&country=FR&sort=country",
        "q=banana",
        "route_country=FR&route_role=destination",
        "quantity_min=100",
        "status=draft",
        "hs_prefix=99",
        "date_to=2025-12-31&region=EUR",
    ],
)
def test_the_export_holds_exactly_the_page_result_in_its_order(
    as_user,
    officer,
    cases,
    query,
    django_capture_on_commit_callbacks,
):
    client = as_user(officer)
    done = export(client, query, capture=django_capture_on_commit_callbacks)
    assert done.status == ExportStatus.DONE
    sheet = read_xlsx(client, done).worksheets[0]
    exported = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert exported == page_references(officer, query)
    assert done.rows_done == len(exported)


def test_the_workbook_is_what_an_analyst_would_build(
    as_user,
    officer,
    cases,
    django_capture_on_commit_callbacks,
):
    client = as_user(officer)
    done = export(
        client,
        "region=EUR",
        layout="line",
        columns="full",
        capture=django_capture_on_commit_callbacks,
    )
    workbook = read_xlsx(client, done)
    sheet, about = workbook.worksheets
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "CEN reference" and "Normalised quantity" in header
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}3"
    assert sheet["A1"].font.b
    date_cell = sheet.cell(2, header.index("Date of seizure") + 1)
    assert date_cell.is_date and isinstance(date_cell.value, datetime.datetime)
    quantity = sheet.cell(2, header.index("Normalised quantity") + 1).value
    assert isinstance(quantity, int | float)
    facts = {row[0]: row[1] for row in about.iter_rows(values_only=True)}
    assert facts["Rows"] == 2
    assert facts["WCO region"] == "Europe"


def test_labels_are_in_the_users_language(
    as_user,
    officer,
    cases,
    django_capture_on_commit_callbacks,
):
    officer.language = "fr"
    officer.save()
    client = as_user(officer)
    done = export(client, "q=banana", capture=django_capture_on_commit_callbacks)
    sheet = read_xlsx(client, done).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "Référence CEN"
    assert "Europe" in [cell.value for cell in sheet[2]]  # the WCO region, in French too


def test_base_units_are_in_the_users_language(
    as_user, officer, cases, django_capture_on_commit_callbacks
):
    from django.utils import translation

    officer.language = "ru"
    officer.save()
    client = as_user(officer)
    done = export(client, "", layout="line", capture=django_capture_on_commit_callbacks)
    sheet = read_xlsx(client, done).worksheets[0]
    with translation.override("ru"):
        heading = translation.gettext("Base unit")
    column = [cell.value for cell in sheet[1]].index(heading)
    units = {row[column].value for row in sheet.iter_rows(min_row=2)}
    assert units and units <= {"кг", "л", "шт.", "гол."}


@pytest.mark.parametrize(
    "hostile", ['=HYPERLINK("http://evil.example","x")', "+1", "-1+2", "@SUM(1)", "\tx", "\rx"]
)
def test_formula_injection_is_impossible(
    as_user,
    officer,
    record,
    hostile,
    django_capture_on_commit_callbacks,
):
    case = record(officer, date=datetime.date(2026, 1, 2), narrative=hostile)
    client = as_user(officer)
    done = export(client, "", columns="full", capture=django_capture_on_commit_callbacks)
    sheet = read_xlsx(client, done).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(2, header.index("Narrative") + 1)
    assert sheet.cell(2, 1).value == case.reference
    assert cell.data_type == "s"
    # Control characters are stored as OOXML escapes (_x000D_), which Excel
    # reads back as the character; the text is otherwise intact.
    assert ooxml_text(cell.value) == hostile

    csv_done = export(
        client, "", columns="full", file_format="csv", capture=django_capture_on_commit_callbacks
    )
    response = client.get(reverse("seizures:export-download", args=[csv_done.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][rows[0].index("Narrative")] == "'" + hostile


def test_exports_are_private_and_audited(
    as_user,
    officer,
    kenyan_officer,
    cases,
    client_factory,
    django_capture_on_commit_callbacks,
):
    from ..conftest import login_verified

    done = export(as_user(officer), "region=EUR", capture=django_capture_on_commit_callbacks)
    other = login_verified(client_factory(), kenyan_officer)
    assert other.get(reverse("seizures:export-download", args=[done.pk])).status_code == 404
    assert other.get(reverse("seizures:export-detail", args=[done.pk])).status_code == 404
    event = AuditEvent.objects.get(action=AuditAction.EXPORT_CREATED)
    assert event.details == {"filters": "region=EUR", "rows": 2, "layout": "case"}
    as_user(officer).get(reverse("seizures:export-download", args=[done.pk]))
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT_DOWNLOADED, actor=officer).exists()


def test_another_administrations_drafts_never_reach_an_export(
    as_user,
    officer,
    kenyan_officer,
    make_case,
    cases,
    django_capture_on_commit_callbacks,
):
    draft = make_case(kenyan_officer)
    client = as_user(officer)
    for query in ("", "status=draft"):
        done = export(client, query, capture=django_capture_on_commit_callbacks)
        references = [
            row[0]
            for row in read_xlsx(client, done).worksheets[0].iter_rows(min_row=2, values_only=True)
        ]
        assert draft.reference not in references


def test_progress_page_polls_until_ready(
    as_user, officer, cases, django_capture_on_commit_callbacks
):
    client = as_user(officer)
    done = export(client, "", capture=django_capture_on_commit_callbacks)
    partial = client.get(reverse("seizures:export-detail", args=[done.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in partial.content.decode()
    assert "Download" in partial.content.decode()
    Export.objects.filter(pk=done.pk).update(
        status=ExportStatus.RUNNING, rows_total=10, rows_done=5
    )
    partial = client.get(reverse("seizures:export-detail", args=[done.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    assert 'value="50"' in partial.content.decode()


def test_old_exports_are_purged(as_user, officer, cases, django_capture_on_commit_callbacks):
    import time_machine

    from seizures.services import exports_purge

    done = export(as_user(officer), "", capture=django_capture_on_commit_callbacks)
    name = done.file.name
    assert default_storage.exists(name)
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=8)):
        assert exports_purge() == 1
    assert not default_storage.exists(name) and not Export.objects.exists()


def test_the_national_reference_is_exported_for_ones_own_cases_only(
    as_user, officer, kenyan_officer, cases, django_capture_on_commit_callbacks
):
    from seizures.models import Case

    for case in Case.objects.all():
        case.national_reference = f"NAT-{case.pk}"
        case.save(update_fields=["national_reference"])
    client = as_user(officer)
    done = export(client, "", capture=django_capture_on_commit_callbacks)
    sheet = read_xlsx(client, done).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    column = header.index("National reference")
    values = {row[0]: row[column] for row in sheet.iter_rows(min_row=2, values_only=True)}
    own = set(
        Case.objects.filter(administration=officer.administration).values_list(
            "reference", flat=True
        )
    )
    assert own and any(reference not in own for reference in values)
    for reference, national in values.items():
        expected = f"NAT-{Case.objects.get(reference=reference).pk}"
        assert national == (expected if reference in own else None)
