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


def _validated_case(officer, admin, commodity, departure, when):
    data = CaseData(
        fields={
            "seizure_date": when,
            "country": officer.administration.country,
            "transport_mode": TransportMode.objects.first(),
            "detection_method": DetectionMethod.objects.first(),
        },
        lines=[
            {
                "commodity_type": CommodityType.objects.get(code=commodity),
                "quantity": Decimal("12"),
                "unit": Unit.objects.get(code="KG"),
            }
        ],
        legs=[
            {"kind": "departure", "country": departure, "place": ""},
            {"kind": "destination", "country": "FR", "place": ""},
        ],
        offenders=[],
    )
    case = services.case_create(user=officer, data=data)
    services.case_submit(user=officer, case=case)
    services.case_validate(user=admin, case=case)
    return case


def test_analyst_maps_departure_countries_of_a_commodity_and_opens_the_search(page):
    france = Administration.objects.create(name="French Customs", country="FR", region="EUR")
    officer = UserFactory(administration=france, role=Role.OFFICER)
    admin = UserFactory(administration=france, role=Role.NATIONAL_ADMIN)
    analyst = UserFactory(administration=france, role=Role.ANALYST, full_name="Anaïs")
    TOTPDeviceFactory(user=analyst)
    for commodity, departure, day in [
        ("COCAINE", "BR", 3),
        ("COCAINE", "BR", 9),
        ("COCAINE", "CO", 14),
        ("HEROIN", "BR", 20),  # another commodity: filtered out
    ]:
        _validated_case(officer, admin, commodity, departure, datetime.date(2026, 1, day))

    log_in(page, analyst)
    page.get_by_role("link", name="Statistics").click()
    map_view = page.locator("#map .statistics-map > svg")
    expect(map_view).to_have_attribute("data-role", "reporting")
    expect(page.locator('#map [data-country="FR"]')).to_have_attribute("data-count", "4")

    page.get_by_text("More filters").click()
    page.get_by_label("Commodity", exact=True).select_option(label="Cocaine")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('#map [data-country="FR"]')).to_have_attribute("data-count", "3")

    page.get_by_test_id("map-switch").get_by_role("link", name="Departure countries").click()
    expect(map_view).to_have_attribute("data-role", "departure")
    expect(page).to_have_url(re.compile(r"map_role=departure"))
    brazil = page.locator('#map a[data-country="BR"]')
    expect(brazil).to_have_attribute("aria-label", "Brazil: 2 validated cases")
    count = brazil.get_attribute("data-count")
    # Countries are links, reachable from the keyboard: after the panel's buttons,
    # Tab goes to the first coloured country (by code: Brazil, then Colombia).
    page.locator("#map").get_by_role("link", name="Excel").focus()
    page.keyboard.press("Tab")
    expect(brazil).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator('#map a[data-country="CO"]')).to_be_focused()

    # The table view lists the same numbers; toggled back, the map is clickable again.
    table_toggle = page.locator("#map").get_by_role("button", name="Table")
    table_toggle.click()
    table = page.locator('[data-table="map"]')
    expect(table.get_by_role("row", name=re.compile("Brazil"))).to_contain_text(count)
    expect(brazil).to_be_hidden()
    table_toggle.click()
    brazil.click()
    expect(page).to_have_url(re.compile(r"/cases/search/\?.*route_country=BR"))
    expect(page).to_have_url(re.compile(r"route_role=departure"))
    expect(page.get_by_test_id("result-count")).to_have_text(f"{count} cases")
