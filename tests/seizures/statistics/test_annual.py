import datetime
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django_countries import countries

from seizures.models import Case, CaseStatus, CommodityArea, CommodityLine
from seizures.services import cases as services
from seizures.statistics.annual import annual_summary

URL = reverse("seizures:statistics-annual")


@pytest.fixture
def two_years(validated, record, officer, national_admin):
    """The 2025 cases of ``validated`` and two validated 2024 cases from France."""
    earlier = [
        record(
            officer,
            date=datetime.date(2024, 5, 9),
            quantity="40",
            legs=[("departure", "EC"), ("destination", "FR")],
        ),
        record(
            officer,
            date=datetime.date(2024, 11, 30),
            commodity="CIGARETTES",
            quantity="7",
            unit="CARTON",
            legs=[("departure", "CN"), ("destination", "FR")],
        ),
    ]
    for case in earlier:
        services.case_validate(user=national_admin, case=case)
    return validated + earlier


def _validated_in(year: int, area=None):
    cases = Case.objects.filter(status=CaseStatus.VALIDATED, seizure_date__year=year)
    if area is not None:
        cases = cases.filter(lines__commodity_type__area=area).distinct()
    return cases


def _kilograms(year: int, area=None) -> Decimal:
    lines = CommodityLine.objects.filter(case__in=_validated_in(year, area), unit__dimension="mass")
    if area is not None:
        lines = lines.filter(commodity_type__area=area)
    return lines.aggregate(total=Sum("normalised_quantity"))["total"] or Decimal(0)


@pytest.mark.parametrize("by_area", [False, True])
def test_headline_numbers_equal_direct_counts_for_the_year_and_the_one_before(
    two_years, analyst, by_area
):
    area = CommodityArea.objects.get(types__code="COCAINE") if by_area else None
    summary = annual_summary(user=analyst, year=2025, area=area)
    headline = {row.label: row for row in summary["headline"]}
    cases = headline["Validated cases"]
    assert (cases.current, cases.previous) == (
        _validated_in(2025, area).count(),
        _validated_in(2024, area).count(),
    )
    assert cases.difference == cases.current - cases.previous
    assert cases.percent == pytest.approx(100 * (cases.current - cases.previous) / cases.previous)
    kilograms = headline["Quantity (kg)"]
    assert (kilograms.current, kilograms.previous) == (
        _kilograms(2025, area),
        _kilograms(2024, area),
    )
    countries = headline["Countries of seizure"]
    assert countries.current == _validated_in(2025, area).values("country").distinct().count()
    assert countries.previous == _validated_in(2024, area).values("country").distinct().count()
    months = summary["chart"]["datasets"]
    assert sum(months[0]["data"]) == cases.current and sum(months[1]["data"]) == cases.previous
    assert months[0]["data"][4] == _validated_in(2025, area).filter(seizure_date__month=5).count()


def test_rankings_show_last_years_figure_and_rank_change(two_years, analyst):
    summary = annual_summary(user=analyst, year=2025, area=None)
    rankings = dict(summary["rankings"])
    departure = {row.label: row for row in rankings["Top departure countries"]}
    ecuador = departure["Ecuador"]
    assert (ecuador.current, ecuador.previous, ecuador.rank) == (2, 1, 1)
    # China was second in 2024 (after Ecuador) and left no 2025 departure.
    assert "China" not in departure
    assert departure["United Arab Emirates"].rank_change is None  # new this year
    routes = {row.label: row for row in summary["routes"]}
    ecuador_france = routes["Ecuador → France"]
    # 2024: China → France and Ecuador → France, one case each, by code; 2025: second of three.
    assert (ecuador_france.previous, ecuador_france.previous_rank, ecuador_france.rank) == (1, 2, 2)
    assert ecuador_france.rank_change == 0
    assert routes["Kenya → China"].rank_change is None


def test_the_page_defaults_to_the_last_full_year_and_is_printable(two_years, as_user, analyst):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)):
        page = as_user(analyst).get(URL).content.decode()
    assert "Annual summary 2025: all commodities" in page
    headline = page[page.index('data-testid="headline"') : page.index("</table>")]
    assert re.search(
        r"Validated cases</th><td[^>]*>4</td><td[^>]*>2</td><td[^>]*>\+2</td>", headline
    )
    assert "+100.0%" in headline
    assert '<option value="2025" selected>' in page
    assert (
        "statistics-annual.css" in page
        and 'class="btn btn-outline-secondary" type="button"' in page
    )
    chart = json.loads(re.search(r'id="annual-months" type="application/json">([^<]+)<', page)[1])
    assert chart["datasets"][0]["label"] == "2025" and sum(chart["datasets"][0]["data"]) == 4


def test_the_page_links_each_country_to_that_years_search(two_years, as_user, analyst):
    client = as_user(analyst)
    page = client.get(URL, {"year": 2024}).content.decode()
    link = re.search(r'<a href="([^"]+)">Ecuador</a>', page)[1].replace("&amp;", "&")
    assert "date_from=2024-01-01" in link and "date_to=2024-12-31" in link
    assert "departure=EC" in link and "status=validated" in link
    assert "1 case" in client.get(link).content.decode()


def test_the_statistics_page_links_to_the_annual_summary(validated, as_user, analyst):
    page = as_user(analyst).get(reverse("seizures:statistics")).content.decode()
    assert URL in page


def test_the_annual_summary_renders_in_arabic(two_years, as_user, analyst):
    analyst.language = "ar"
    analyst.save()
    area = CommodityArea.objects.get(types__code="COCAINE")
    response = as_user(analyst).get(URL, {"year": 2025, "area": area.pk})
    page = response.content.decode()
    assert response.status_code == 200 and '<html lang="ar" dir="rtl">' in page
    with translation.override("ar"):
        assert countries.name("EC") in page and countries.name("EC") != "Ecuador"


def test_a_year_outside_the_choices_falls_back_to_the_last_full_year(validated, as_user, analyst):
    area = CommodityArea.objects.get(types__code="COCAINE")
    response = as_user(analyst).get(URL, {"year": "1066", "area": area.pk})
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year - 1
    assert response.context["area"] == area
    response = as_user(analyst).get(URL, {"year": "2025", "area": "nope"})
    assert (response.context["year"], response.context["area"]) == (2025, None)


def test_the_statistics_pages_link_with_an_area_opens_the_last_full_year_without_error(
    validated, as_user, analyst
):
    area = CommodityArea.objects.get(types__code="COCAINE")
    response = as_user(analyst).get(URL, {"area": area.pk})
    assert response.context["year"] == timezone.localdate().year - 1
    assert response.context["area"] == area
    assert not response.context["form"].errors


def test_the_annual_summary_needs_a_verified_login(client, db):
    assert client.get(URL).status_code == 302


def test_a_trace_is_counted_apart_in_the_headline_never_in_the_kilograms(
    two_years, trace_not_known, analyst
):
    summary = annual_summary(user=analyst, year=2025, area=None)
    headline = {change.label: change for change in summary["headline"]}
    assert headline["Validated cases"].current == _validated_in(2025).count() == 5
    assert headline["Quantity (kg)"].current == _kilograms(2025)
    traces = headline["Seizures without a recorded quantity"]
    assert (traces.current, traces.previous) == (1, 0)
