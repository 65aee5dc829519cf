"""Every page that takes the search filters answers a result of no case with
an empty result: the search and its facets, the photo search, the statistics
(each panel's download too), the trends, an export, a watch list and a risk
indicator's profile (issue 11, item 1).

On PostgreSQL a free text that matches nothing, or commodity filters that
leave no type, become an empty ``pk__in``: Django cannot write such a query as
SQL text, and the statements written around a queryset must not ask it to."""

import datetime

import pytest
from django.http import QueryDict
from django.urls import reverse

from seizures import services
from seizures.indicators import services as indicator_services
from seizures.models import CommodityArea, CommodityType, Export, ExportStatus, SavedSearch
from seizures.rawsql import queryset_sql
from seizures.search.facets import case_facets
from seizures.search.forms import CaseSearchForm
from seizures.search.query import case_search
from seizures.services import cases as case_services
from seizures.statistics import sql as statistics_sql


@pytest.fixture
def empty_area(db):
    return CommodityArea.objects.create(code="NOTHING_YET", label="Nothing yet")


@pytest.fixture
def seen(record, officer, national_admin):
    """Validated cases whose text never holds the word "cocaine" (the lines are
    cocaine, but the commodity's name is not part of the free text)."""
    cases = [
        record(
            officer,
            date=datetime.date(2025, 5, 1),
            legs=[("departure", "EC"), ("destination", "FR")],
            narrative="Hidden in banana boxes",
        ),
        record(officer, date=datetime.date(2025, 6, 2), commodity="CIGARETTES", quantity="3"),
    ]
    for case in cases:
        case_services.case_validate(user=national_admin, case=case)
    return cases


def _no_match_queries(empty_area: CommodityArea) -> dict[str, str]:
    cocaine = CommodityType.objects.get(code="COCAINE")
    other_area = CommodityArea.objects.exclude(pk=cocaine.area_id).exclude(pk=empty_area.pk)
    return {
        "free text with no match": "q=zzzqqq",
        "a word no case's text holds": "q=cocaine",
        "two words that never meet": "q=banana+zzzqqq",
        "an area with no types": f"area={empty_area.pk}",
        "a commodity outside the area": f"area={other_area.first().pk}&commodity_type={cocaine.pk}",
        "a commodity no case has": "commodity_type="
        + str(CommodityType.objects.exclude(code__in=["COCAINE", "CIGARETTES"]).first().pk),
        "a day with no case": "date_from=2025-05-02&date_to=2025-05-02",
        "no match with every other filter": f"q=zzzqqq&date_from=2025-01-01&country=FR"
        f"&region=EUR&route_country=EC&route_role=departure&departure=EC&destination=FR"
        f"&area={cocaine.area_id}&commodity_type={cocaine.pk}&hs_prefix=12"
        f"&quantity_min=1&quantity_max=1000&has_photos=on",
    }


NO_MATCH_NAMES = [
    "free text with no match",
    "a word no case's text holds",
    "two words that never meet",
    "an area with no types",
    "a commodity outside the area",
    "a commodity no case has",
    "a day with no case",
    "no match with every other filter",
]


@pytest.fixture(params=NO_MATCH_NAMES)
def no_match(request, seen, empty_area):
    return _no_match_queries(empty_area)[request.param]


def _filters(query: str) -> dict:
    form = CaseSearchForm(QueryDict(query))
    assert form.is_valid(), form.errors
    return form.cleaned_data


def test_the_fixture_cases_are_found_without_the_filters(officer, seen):
    assert case_search(user=officer, filters={}).count() == 2


def test_search_with_no_match_returns_an_empty_page(as_user, officer, no_match):
    page = as_user(officer).get(f"{reverse('seizures:case-search')}?{no_match}")
    assert page.status_code == 200
    assert page.context["rows"] == []
    assert page.context["total"] == 0
    assert all(values == [] for _title, values in page.context["facets"])


def test_facets_of_no_case_are_empty(officer, no_match):
    facets = case_facets(case_search(user=officer, filters=_filters(no_match)))
    assert all(values == [] for values in facets.counts.values())


def test_facets_of_no_case_are_empty_when_estimated_from_a_sample(officer, no_match):
    facets = case_facets(case_search(user=officer, filters=_filters(no_match)), large=True)
    assert all(values == [] for values in facets.counts.values())


def test_photo_search_with_no_match_shows_no_photo(as_user, officer, no_match):
    page = as_user(officer).get(f"{reverse('seizures:photo-search')}?{no_match}")
    assert page.status_code == 200


def test_statistics_of_no_case_show_empty_panels(as_user, officer, no_match):
    page = as_user(officer).get(f"{reverse('seizures:statistics')}?{no_match}")
    assert page.status_code == 200
    assert not page.context.get("invalid")
    assert all(panel.rows == [] for panel in page.context["panels"])


def test_every_statistics_download_of_no_case_is_an_empty_table(as_user, officer, no_match):
    client = as_user(officer)
    page = client.get(f"{reverse('seizures:statistics')}?{no_match}")
    names = [panel.name for panel in page.context["panels"]] + ["map"]
    for name in names:
        download = client.get(f"{reverse('seizures:statistics')}?{no_match}&download={name}")
        assert download.status_code == 200, name


def test_trends_of_no_case_show_no_row(as_user, officer, no_match):
    if no_match.startswith("date_from"):
        pytest.skip("the trends take their own period, not the search's dates")
    query = no_match + "&end=2025-06-01&months=6"
    page = as_user(officer).get(f"{reverse('seizures:statistics-trends')}?{query}")
    assert page.status_code == 200
    assert page.context["rows"] == []


def test_annual_summary_of_an_area_with_no_types_is_empty(as_user, officer, seen, empty_area):
    page = as_user(officer).get(
        reverse("seizures:statistics-annual"), {"year": "2025", "area": empty_area.pk}
    )
    assert page.status_code == 200


def test_export_of_no_case_is_a_file_with_no_row(
    as_user, officer, no_match, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(officer).post(
            reverse("seizures:export-create"),
            {"query": no_match, "layout": "line", "columns": "summary", "format": "csv"},
        )
    export = Export.objects.latest("id")
    assert response.status_code == 302
    assert export.status == ExportStatus.DONE
    assert export.rows_total == 0
    assert export.rows_done == 0


def test_a_watch_with_no_match_sends_nothing(analyst, no_match, django_capture_on_commit_callbacks):
    services.saved_search_save(user=analyst, name="Nothing", query=no_match, is_watch=True)
    SavedSearch.objects.update(watched_since=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.watch_notices_send() == 0


def test_a_risk_indicator_with_no_match_has_an_empty_profile(as_user, analyst, no_match):
    indicator = indicator_services.risk_indicator_create(
        user=analyst,
        name="Nothing",
        description="",
        query=no_match,
        sharing="private",
        shared_with=[],
    )
    client = as_user(analyst)
    page = client.get(reverse("seizures:risk-indicator-detail", args=[indicator.pk]))
    assert page.status_code == 200
    assert page.context["profile"].cases == 0
    excel = client.get(reverse("seizures:risk-indicator-excel", args=[indicator.pk]))
    assert excel.status_code == 200


def test_an_empty_queryset_has_no_sql_text(officer, seen, empty_area):
    assert queryset_sql(case_search(user=officer, filters={}).filter(pk__in=[])) is None
    sql, _params = queryset_sql(case_search(user=officer, filters={}))
    assert sql.startswith("SELECT")


def test_inserting_the_rows_of_an_empty_select_inserts_nothing(db, empty_area):
    from seizures.models import CaseStatMonth

    before = CaseStatMonth.objects.count()
    nothing = CaseStatMonth.objects.filter(pk__in=[]).values(
        "month",
        "country",
        "area",
        "commodity_type",
        "cases",
        "mass_kg",
        "volume_l",
        "count_pieces",
        "heads",
    )
    statistics_sql.insert_select(
        "case", nothing, list(statistics_sql.CASE_KEY + statistics_sql.CASE_MEASURES)
    )
    assert CaseStatMonth.objects.count() == before
