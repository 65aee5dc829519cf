import io

import openpyxl
import pytest
from playwright.sync_api import expect

from accounts.models import Administration, Role
from seizures.imports.columns import CASE_SHEET_COLUMNS
from seizures.models import Case

from ..factories import TOTPDeviceFactory, UserFactory
from .test_case_journey import log_in

pytestmark = pytest.mark.e2e


def _fill(template: bytes, rows: list[dict]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book["Cases"]
    position = {column.key: index + 1 for index, column in enumerate(CASE_SHEET_COLUMNS)}
    for number, row in enumerate(rows, start=2):
        for key, value in row.items():
            sheet.cell(row=number, column=position[key], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(bad: bool) -> list[dict]:
    rows = []
    for number in range(4):
        rows.append(
            {
                "national_reference": f"FR-E2E-{number}",
                "seizure_date": "14/03/2026",
                "country": "France",
                "transport_mode": "AIR_PASSENGER",
                "detection_method": "DETECTOR_DOG",
                "commodity_type": "COCAINE",
                "quantity": "2,5",
                "unit": "KG",
            }
        )
    if bad:
        rows[1]["quantity"] = "several"
        rows[3]["unit"] = "bushels"
    return rows


def test_national_admin_uploads_sees_errors_fixes_and_imports(page, tmp_path):
    france = Administration.objects.create(name="French Customs", country="FR", region="EUR")
    admin = UserFactory(administration=france, role=Role.NATIONAL_ADMIN, full_name="Amélie")
    TOTPDeviceFactory(user=admin)

    log_in(page, admin)
    page.get_by_role("link", name="Bulk upload").click()
    with page.expect_download() as download_info:
        page.get_by_test_id("upload-template").click()
    with open(download_info.value.path(), "rb") as downloaded:
        template = downloaded.read()

    bad = tmp_path / "cases.xlsx"
    bad.write_bytes(_fill(template, _rows(bad=True)))
    page.get_by_label("Spreadsheet").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    # A unit in none of our lists is asked about first; left as it is, it is a row error.
    expect(page.get_by_test_id("upload-state")).to_have_attribute("data-status", "mapping")
    values = page.get_by_test_id("mapping-values")
    expect(values.get_by_label("bushels")).to_have_value("")
    page.get_by_test_id("upload-mapping-save").click()
    expect(page.get_by_test_id("upload-state")).to_have_attribute("data-status", "invalid")
    errors = page.get_by_test_id("upload-errors")
    expect(errors).to_contain_text("Write a number.")
    expect(errors).to_contain_text("“bushels” is not in the list of units.")
    expect(errors.locator("tbody tr")).to_have_count(2)
    with page.expect_download() as download_info:
        page.get_by_test_id("error-workbook").click()
    with open(download_info.value.path(), "rb") as downloaded:
        marked = openpyxl.load_workbook(io.BytesIO(downloaded.read()))["Cases"]
    quantity = [c.key for c in CASE_SHEET_COLUMNS].index("quantity") + 1
    assert "Write a number." in marked.cell(row=3, column=quantity).comment.text
    assert not Case.objects.exists()

    page.get_by_role("link", name="Upload history").click()
    fixed = tmp_path / "cases-fixed.xlsx"
    fixed.write_bytes(_fill(template, _rows(bad=False)))
    page.get_by_label("Spreadsheet").set_input_files(str(fixed))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_test_id("upload-state")).to_have_attribute("data-status", "awaiting")
    expect(page.get_by_text("4 new cases")).to_be_visible()
    page.get_by_test_id("upload-confirm").click()
    expect(page.get_by_test_id("upload-done")).to_contain_text("4 cases created and 0 updated")
    assert Case.objects.filter(administration=france).count() == 4
    page.get_by_role("link", name=Case.objects.first().reference).click()
    expect(page.get_by_role("heading", name=Case.objects.first().reference)).to_be_visible()


def test_the_api_documentation_renders_under_the_content_security_policy(page):
    france = Administration.objects.create(name="French Customs", country="FR", region="EUR")
    admin = UserFactory(administration=france, role=Role.NATIONAL_ADMIN)
    TOTPDeviceFactory(user=admin)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text and "script" in message.text
            else None
        ),
    )
    log_in(page, admin)
    page.goto("/api/docs/")
    expect(page.get_by_text("Create or update a batch of cases, all or nothing")).to_be_visible()
    assert violations == []
