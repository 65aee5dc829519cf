"""A national administration's own spreadsheet, through the browser: its columns
and values mapped and saved as a profile, its month-first dates read so, and the
new cases validated in one bulk action."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect

from accounts.models import Administration, Role
from seizures.models import Case, CaseStatus, MappingProfile
from seizures.services import bulk

from ..factories import TOTPDeviceFactory, UserFactory
from .test_case_journey import log_in

pytestmark = pytest.mark.e2e

HEADERS = [
    "Referencia",
    "Fecha",
    "País",
    "Medio de transporte",
    "Método de detección",
    "Sustancia",
    "Cantidad",
    "Unidad",
    "Observaciones",
]
# Every date reads two ways (both parts at most 12): the register writes month first.
ROWS = [
    [
        "AEAT-1",
        "03/01/2025",
        "España",
        "Aéreo - pasajero",
        "Perro detector",
        "MARIHUANA",
        "250",
        "GRAMO",
        "",
    ],
    [
        "AEAT-2",
        "04/02/2025",
        "España",
        "Carga aérea",
        "Inteligencia",
        "Cocaína",
        "3",
        "kg",
        "Maleta",
    ],
    [
        "AEAT-3",
        "11/12/2025",
        "España",
        "AÉREO - PASAJERO",
        "Perro detector",
        "marihuana",
        "40",
        "Gramo",
        "",
    ],
    ["TOTAL", "", "", "", "", "", "293", "", ""],
]


def _register() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Incautaciones"
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_national_admin_maps_their_own_file_imports_it_and_validates_the_new_cases(
    page, tmp_path, monkeypatch
):
    spain = Administration.objects.create(name="Agencia Tributaria", country="ES", region="EUR")
    admin = UserFactory(administration=spain, role=Role.NATIONAL_ADMIN, full_name="Lucía")
    TOTPDeviceFactory(user=admin)

    log_in(page, admin)
    page.get_by_role("link", name="Bulk upload").click()
    register = tmp_path / "registro.xlsx"
    register.write_bytes(_register())
    page.get_by_label("Spreadsheet").set_input_files(str(register))
    page.get_by_role("button", name="Upload and check").click()

    # The columns: suggested from their Spanish names, but for "Sustancia".
    mapping = page.get_by_test_id("upload-mapping")
    expect(mapping).to_contain_text("The columns of your file are not those of the template.")
    columns = page.get_by_test_id("mapping-columns")
    expect(columns).to_contain_text("MARIHUANA · Cocaína · marihuana")
    expect(columns.get_by_label("Fecha")).to_have_value("seizure_date")
    expect(columns.get_by_label("Medio de transporte")).to_have_value("transport_mode")
    expect(columns.get_by_label("Sustancia")).to_have_value("")
    expect(columns.get_by_label("Observaciones")).to_have_value("")
    columns.get_by_label("Sustancia").select_option("commodity_type")
    page.get_by_test_id("upload-mapping-save").click()

    # The values none of our lists know, each asked once.
    expect(mapping).to_contain_text("Some values of your file are in none of our lists.")
    values = page.get_by_test_id("mapping-values")
    expect(values.get_by_label("GRAMO")).to_have_value("G")
    values.get_by_label("MARIHUANA").select_option("CANNABIS_HERB")
    values.get_by_label("Aéreo - pasajero").select_option("AIR_PASSENGER")
    page.get_by_label("Save as the profile").fill("Registro de incautaciones")
    page.get_by_test_id("upload-mapping-save").click()

    # The dates: read day first for now, and nothing in the file decides it.
    state = page.get_by_test_id("upload-state")
    expect(state).to_have_attribute("data-status", "awaiting")
    expect(page.get_by_test_id("upload-profile")).to_contain_text(
        "The mapping profile “Registro de incautaciones” of your administration was applied"
    )
    question = page.get_by_test_id("convention-seizure_date")
    expect(question).to_have_attribute("data-open", "true")
    expect(question).to_contain_text(
        "In the column “Date of seizure”, 3 values can be read two ways, and nothing in "
        "the file decides it."
    )
    expect(question).to_contain_text("03/01/2025 → Jan. 3, 2025")
    expect(page.get_by_test_id("upload-confirm")).to_have_count(0)
    question.get_by_role("button", name="Read 03/01/2025 as March 1, 2025").click()
    question = page.get_by_test_id("convention-seizure_date")
    expect(question).to_have_attribute("data-open", "false")
    expect(question).to_contain_text("03/01/2025 → March 1, 2025")
    expect(question).to_contain_text("11/12/2025 → Nov. 12, 2025")

    # The preview: three cases, the TOTAL row left out.
    expect(page.get_by_text("3 new cases")).to_be_visible()
    expect(page.get_by_test_id("upload-left-out")).to_have_text(
        "Row 5 of the sheet “Incautaciones” (“TOTAL”) is a summary row: it was left out."
    )
    page.get_by_test_id("upload-confirm").click()
    expect(page.get_by_test_id("upload-done")).to_contain_text("3 cases created and 0 updated")
    assert Case.objects.filter(administration=spain, status=CaseStatus.DRAFT).count() == 3

    # All the new cases validated in one action.
    page.get_by_test_id("upload-bulk-action").click()
    expect(
        page.get_by_text("3 cases of your administration were written by the upload")
    ).to_be_visible()
    expect(page.get_by_test_id("bulk-changes")).to_contain_text(
        "Validate: 3 cases will be validated"
    )
    # Held back from the eager queue, to watch the page follow the job as a worker runs it.
    queued = []
    monkeypatch.setattr(
        bulk, "task_enqueue_on_commit", lambda task, *args, **kw: queued.append((task, args))
    )
    page.get_by_label("Validate").check()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", name="Validate: 3 cases")).to_be_visible()
    progress = page.locator("#bulk-progress")
    expect(progress).to_have_attribute("data-status", "queued")
    expect(progress).to_contain_text("Queued: the job starts as soon as a worker is free.")
    assert Case.objects.filter(status=CaseStatus.VALIDATED).count() == 0
    [(task, args)] = queued
    task.apply(args=args)
    expect(progress).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("bulk-done")).to_have_text("3 cases changed.")

    cases = {
        case.national_reference: case
        for case in Case.objects.filter(administration=spain).prefetch_related(
            "lines__commodity_type", "lines__unit"
        )
    }
    assert sorted(cases) == ["AEAT-1", "AEAT-2", "AEAT-3"]
    assert {case.status for case in cases.values()} == {CaseStatus.VALIDATED}
    assert {ref: case.seizure_date for ref, case in cases.items()} == {
        "AEAT-1": datetime.date(2025, 3, 1),
        "AEAT-2": datetime.date(2025, 4, 2),
        "AEAT-3": datetime.date(2025, 11, 12),
    }
    assert {ref: case.transport_mode.code for ref, case in cases.items()} == {
        "AEAT-1": "AIR_PASSENGER",
        "AEAT-2": "AIR_CARGO",
        "AEAT-3": "AIR_PASSENGER",
    }
    lines = {
        ref: [
            (line.commodity_type.code, line.quantity, line.unit.code) for line in case.lines.all()
        ]
        for ref, case in cases.items()
    }
    assert lines == {
        "AEAT-1": [("CANNABIS_HERB", Decimal("250"), "G")],
        "AEAT-2": [("COCAINE", Decimal("3"), "KG")],
        "AEAT-3": [("CANNABIS_HERB", Decimal("40"), "G")],
    }
    profile = MappingProfile.objects.get(administration=spain)
    assert profile.name == "Registro de incautaciones" and profile.headers == HEADERS
