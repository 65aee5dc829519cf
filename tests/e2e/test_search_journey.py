import datetime
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import Administration, Role

from ..factories import TOTPDeviceFactory, UserFactory
from .cases import validated_case
from .test_case_journey import log_in

pytestmark = pytest.mark.e2e


def test_analyst_searches_narrows_finds_similar_photos_and_exports(page):
    france = Administration.objects.create(name="French Customs", country="FR", region="EUR")
    officer = UserFactory(administration=france, role=Role.OFFICER)
    admin = UserFactory(administration=france, role=Role.NATIONAL_ADMIN)
    analyst = UserFactory(administration=france, role=Role.ANALYST, full_name="Anaïs")
    TOTPDeviceFactory(user=analyst)
    first = validated_case(
        officer, admin, datetime.date(2026, 2, 1), commodity="COCAINE", photo_seed=1
    )
    second = validated_case(
        officer, admin, datetime.date(2026, 3, 1), commodity="COCAINE", photo_seed=1
    )
    validated_case(officer, admin, datetime.date(2026, 4, 1), commodity="HEROIN")

    log_in(page, analyst)
    page.get_by_role("link", name="Search").click()
    expect(page.get_by_test_id("result-count")).to_have_text("3 cases")
    page.get_by_test_id("facet").filter(has_text="Commodity").get_by_role(
        "link", name="Cocaine"
    ).click()
    expect(page.get_by_test_id("result-count")).to_have_text("2 cases")
    expect(page).to_have_url(re.compile(r"commodity_type="))

    page.goto(first.get_absolute_url())
    page.get_by_role("link", name="Similar photos").click()
    expect(page.get_by_test_id("similar")).to_contain_text(second.reference)

    page.go_back()
    page.go_back()
    page.get_by_label("Rows").select_option("line")
    page.get_by_role("button", name="Export to Excel").click()
    download_link = page.get_by_test_id("export-download")
    expect(download_link).to_be_visible()
    with page.expect_download() as download_info:
        download_link.click()
    with open(download_info.value.path(), "rb") as downloaded:
        sheet = load_workbook(io.BytesIO(downloaded.read())).worksheets[0]
    references = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert references == [second.reference, first.reference]
