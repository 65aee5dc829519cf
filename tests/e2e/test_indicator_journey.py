import datetime
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Administration, Role
from seizures.models import RiskIndicator

from ..factories import TOTPDeviceFactory, UserFactory
from .cases import validated_case
from .test_case_journey import log_in

pytestmark = pytest.mark.e2e


def test_analyst_makes_a_shared_risk_indicator_from_the_statistics(page):
    france = Administration.objects.create(name="French Customs", country="FR", region="EUR")
    officer = UserFactory(administration=france, role=Role.OFFICER)
    admin = UserFactory(administration=france, role=Role.NATIONAL_ADMIN)
    analyst = UserFactory(administration=france, role=Role.ANALYST, full_name="Anaïs")
    TOTPDeviceFactory(user=analyst)
    validated_case(officer, admin, datetime.date(2026, 2, 1), commodity="COCAINE")
    validated_case(officer, admin, datetime.date(2026, 4, 1), commodity="COCAINE")
    validated_case(officer, admin, datetime.date(2026, 4, 1), commodity="HEROIN")

    log_in(page, analyst)
    page.get_by_role("link", name="Statistics").click()
    page.get_by_text("More filters").click()
    page.get_by_label("Commodity", exact=True).select_option(label="Cocaine")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"commodity_type="))

    page.get_by_test_id("make-indicator").click()
    expect(page.get_by_test_id("filters")).to_contain_text("Cocaine")
    page.get_by_label("Name").fill("Cocaine, any route")
    page.get_by_label("All members").check()
    page.get_by_role("button", name="Create the indicator").click()

    expect(page.get_by_role("heading", name="Cocaine, any route")).to_be_visible()
    expect(page.get_by_test_id("case-count")).to_have_text("2")
    expect(page.locator('[data-chart="months"] canvas')).to_be_visible()
    page.get_by_role("button", name="Table").click()
    expect(page.locator('[data-table="months"]')).to_contain_text("2026-03")
    indicator = RiskIndicator.objects.get()
    assert indicator.sharing == "all" and indicator.owner == analyst

    # The printable page fits one A4 page.
    page.get_by_role("link", name="Printable page").click()
    expect(page.get_by_test_id("case-count")).to_contain_text("2 validated cases")
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
