import datetime
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Administration, Role

from ..factories import TOTPDeviceFactory, UserFactory
from .cases import validated_case
from .test_case_journey import log_in

pytestmark = pytest.mark.e2e


def test_analyst_reads_statistics_follows_a_route_and_the_trends(page):
    france = Administration.objects.create(name="French Customs", country="FR", region="EUR")
    officer = UserFactory(administration=france, role=Role.OFFICER)
    admin = UserFactory(administration=france, role=Role.NATIONAL_ADMIN)
    analyst = UserFactory(administration=france, role=Role.ANALYST)
    TOTPDeviceFactory(user=analyst)
    may = datetime.date(2025, 5, 10)
    validated_case(officer, admin, may, legs=[("departure", "EC"), ("destination", "FR")])
    validated_case(officer, admin, may, legs=[("departure", "EC"), ("destination", "ES")])
    validated_case(officer, admin, may, legs=[("departure", "CO"), ("destination", "FR")])

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
        validated_case(
            officer,
            admin,
            datetime.date(2026, 1, day),
            commodity=commodity,
            legs=[("departure", departure), ("destination", "FR")],
        )

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
    expect(page).to_have_url(re.compile(r"/cases/search/\?.*departure=BR"))
    expect(page.get_by_test_id("result-count")).to_have_text(f"{count} cases")
