import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Administration, Role
from seizures import services
from seizures.models import CommodityType, DetectionMethod, TransportMode, Unit
from seizures.validation import CaseData

from ..factories import TOTPDeviceFactory, UserFactory
from .test_case_journey import log_in

pytestmark = pytest.mark.e2e


def _validated_case(officer, admin, when, legs):
    data = CaseData(
        fields={
            "seizure_date": when,
            "country": officer.administration.country,
            "transport_mode": TransportMode.objects.first(),
            "detection_method": DetectionMethod.objects.first(),
        },
        lines=[
            {
                "commodity_type": CommodityType.objects.get(code="COCAINE"),
                "quantity": Decimal("25"),
                "unit": Unit.objects.get(code="KG"),
            }
        ],
        legs=[{"kind": kind, "country": country, "place": ""} for kind, country in legs],
        offenders=[],
    )
    case = services.case_create(user=officer, data=data)
    services.case_submit(user=officer, case=case)
    services.case_validate(user=admin, case=case)
    return case


def test_analyst_reads_statistics_follows_a_route_and_the_trends(page):
    france = Administration.objects.create(name="French Customs", country="FR", region="EUR")
    officer = UserFactory(administration=france, role=Role.OFFICER)
    admin = UserFactory(administration=france, role=Role.NATIONAL_ADMIN)
    analyst = UserFactory(administration=france, role=Role.ANALYST)
    TOTPDeviceFactory(user=analyst)
    may = datetime.date(2025, 5, 10)
    _validated_case(officer, admin, may, [("departure", "EC"), ("destination", "FR")])
    _validated_case(officer, admin, may, [("departure", "EC"), ("destination", "ES")])
    _validated_case(officer, admin, may, [("departure", "CO"), ("destination", "FR")])

    log_in(page, analyst)
    page.get_by_role("link", name="Statistics").click()
    expect(page.locator('[data-chart="time"] canvas')).to_be_visible()
    page.get_by_label("Measure").select_option("mass_kg")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"measure=mass_kg"))
    time_table = page.locator('[data-table="time"]')
    page.locator('[data-table-toggle="time"]').click()
    expect(time_table.locator("thead")).to_contain_text("Quantity (kg)")
    expect(time_table.locator("tbody")).to_contain_text("75")

    page.locator('[data-table-toggle="routes"]').click()
    page.locator('[data-table="routes"]').get_by_role("link", name="Ecuador → France").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 case")
    expect(page).to_have_url(re.compile(r"departure=EC.*destination=FR"))

    page.go_back()
    page.get_by_role("link", name="Trends: what changed").click()
    page.get_by_label("Last month of the period").fill("2025-05")
    page.get_by_label("Months in the period").fill("1")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#how-to-read")).to_contain_text("How to read this")
    row = page.locator('#trends-table tr[data-kind="departure"][data-value="EC"]')
    expect(row.locator("td").nth(3)).to_have_text("2")
