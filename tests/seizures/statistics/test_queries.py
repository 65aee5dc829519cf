import datetime

import pytest
from django.http import QueryDict

from seizures.models import Case, CommodityArea, ConcealmentMethod, StatDimension
from seizures.search.forms import CaseSearchForm
from seizures.statistics.queries import (
    cases_by_month,
    dimension_counts,
    methods_by_area,
    summary_allowed,
    top_countries,
    top_routes,
)

# Each direct count runs on both paths (seizures/statistics/matching.py).
pytestmark = pytest.mark.usefixtures("direct_path")


def _filters(query: str) -> dict:
    form = CaseSearchForm(QueryDict(query))
    assert form.is_valid(), form.errors
    return form.cleaned_data


def _queries(vocab):
    drugs = CommodityArea.objects.get(types=vocab.cocaine)
    return [
        "",
        "country=FR",
        "region=ESA",
        f"area={drugs.pk}",
        f"commodity_type={vocab.cocaine.pk}",
        f"commodity_type={vocab.cigarettes.pk}&country=FR",
        "date_from=2025-05-01&date_to=2025-05-31",
        "date_from=2025-06-01",
    ]


@pytest.mark.parametrize("stack", [None, "area", "type"])
def test_cases_over_time_from_the_summaries_equal_a_direct_count(validated, analyst, vocab, stack):
    for query in _queries(vocab):
        filters = _filters(query)
        assert summary_allowed(filters), query
        summary = cases_by_month(user=analyst, filters=filters, stack=stack, use_summary=True)
        direct = cases_by_month(user=analyst, filters=filters, stack=stack, use_summary=False)
        assert summary == direct, query


@pytest.mark.parametrize("role", ["reporting", "departure", "transit", "destination"])
def test_top_countries_from_the_summaries_equal_a_direct_count(validated, analyst, vocab, role):
    for query in _queries(vocab):
        filters = _filters(query)
        assert summary_allowed(filters), query
        summary = top_countries(user=analyst, filters=filters, role=role, use_summary=True)
        direct = top_countries(user=analyst, filters=filters, role=role, use_summary=False)
        assert summary == direct, query


def test_known_numbers_and_units_never_mixed(validated, analyst, vocab):
    may = datetime.date(2025, 5, 1)
    totals = cases_by_month(user=analyst, filters=_filters(""))
    assert totals[(may, 0)]["cases"] == 3  # the draft of 999 kg is not counted
    assert totals[(may, 0)]["mass_kg"] == 120 + 0.5 + 3 + 300
    cocaine = cases_by_month(user=analyst, filters=_filters(f"commodity_type={vocab.cocaine.pk}"))
    assert cocaine[(may, 0)]["mass_kg"] == 123.5
    assert cocaine[(may, 0)]["count_pieces"] == 0  # the cigarette cartons stay apart
    assert top_countries(user=analyst, filters=_filters(""), role="departure") == [
        ("EC", 2),
        ("AE", 1),
        ("KE", 1),
    ]


def test_filters_the_summaries_cannot_answer_are_counted_directly(validated, analyst, vocab):
    filters = _filters("date_from=2025-05-02&transport_mode=" + str(vocab.transport.pk))
    assert not summary_allowed(filters)
    totals = cases_by_month(user=analyst, filters=filters)
    assert totals[(datetime.date(2025, 5, 1), 0)]["cases"] == 2
    assert summary_allowed(_filters("country=FR"))
    two_types = _filters(f"commodity_type={vocab.cocaine.pk}&commodity_type={vocab.cigarettes.pk}")
    assert not summary_allowed(two_types)
    assert (
        cases_by_month(user=analyst, filters=two_types)[(datetime.date(2025, 5, 1), 0)]["cases"]
        == 2
    )


def test_top_routes_count_departure_destination_pairs(validated, analyst):
    assert top_routes(user=analyst, filters=_filters("")) == [
        ("AE", "FR", 1),
        ("EC", "FR", 1),
        ("KE", "CN", 1),
    ]


def test_methods_per_area_count_each_case_once_per_area(validated, analyst, vocab):
    from seizures.models import CommodityLine

    rows = methods_by_area(user=analyst, filters=_filters(""), method="transport_mode")
    expected = {}
    for case in validated:
        for area in set(
            CommodityLine.objects.filter(case=case).values_list("commodity_type__area", flat=True)
        ):
            key = (case.transport_mode_id, area)
            expected[key] = expected.get(key, 0) + 1
    assert {(method, area): n for method, area, n in rows} == expected
    assert sum(n for _method, _area, n in rows) == 5  # 4 cases, one of them in two areas


@pytest.fixture
def varied(validated, record, officer, national_admin, vocab):
    """The validated cases, plus one with two departures, two concealment methods
    and other transport and detection."""
    from seizures.models import DetectionMethod, TransportMode
    from seizures.services import cases as services

    case = record(
        officer,
        date=datetime.date(2025, 6, 20),
        quantity="7",
        legs=[("departure", "CO"), ("departure", "EC"), ("destination", "FR")],
        transport_mode=TransportMode.objects.order_by("order").last(),
        detection_method=DetectionMethod.objects.order_by("order").last(),
        concealment_methods=list(ConcealmentMethod.objects.order_by("order")[:2]),
    )
    services.case_validate(user=national_admin, case=case)
    return [*validated, case]


@pytest.mark.parametrize("kind", StatDimension.values)
def test_every_dimension_from_the_summaries_equals_a_direct_count(varied, analyst, vocab, kind):
    for query in [*_queries(vocab), "country=FR&date_from=2025-06-01&date_to=2025-06-30"]:
        filters = _filters(query)
        summary = dimension_counts(user=analyst, filters=filters, kind=kind, use_summary=True)
        direct = dimension_counts(user=analyst, filters=filters, kind=kind, use_summary=False)
        assert summary == direct, query


@pytest.mark.parametrize("method", ["transport_mode", "detection_method", "concealment"])
def test_methods_per_area_from_the_summaries_equal_a_direct_count(varied, analyst, vocab, method):
    for query in _queries(vocab):
        filters = _filters(query)
        summary = methods_by_area(user=analyst, filters=filters, method=method, use_summary=True)
        direct = methods_by_area(user=analyst, filters=filters, method=method, use_summary=False)
        assert sorted(summary) == sorted(direct), query


def test_a_case_with_two_departures_counts_on_both_routes(varied, analyst):
    routes = top_routes(user=analyst, filters=_filters("date_from=2025-06-01"))
    assert sorted(routes) == [("AE", "FR", 1), ("CO", "FR", 1), ("EC", "FR", 1)]
    concealment = dimension_counts(user=analyst, filters=_filters(""), kind="concealment")
    assert [n for _value, n in concealment] == [1, 1]


def test_the_search_for_a_route_finds_exactly_the_cases_the_panel_counts(varied, analyst):
    from seizures.search.query import case_search

    for departure, destination, count in top_routes(user=analyst, filters=_filters("")):
        filters = _filters(f"departure={departure}&destination={destination}&status=validated")
        found = case_search(user=analyst, filters=filters)
        assert found.count() == count
        for case in found:
            legs = set(case.route_legs.values_list("kind", "country"))
            assert ("departure", departure) in legs and ("destination", destination) in legs
    # A departure alone is not a route: EC → FR is two cases, EC anywhere is three.
    assert case_search(user=analyst, filters=_filters("departure=EC&status=validated")).count() == 3
    assert Case.objects.filter(route_legs__kind="departure", route_legs__country="EC").count() == 4


@pytest.mark.parametrize("stack", [None, "area", "type"])
def test_a_trace_counts_apart_the_same_from_the_summaries_and_directly(
    validated, trace_not_known, analyst, vocab, stack
):
    for query in _queries(vocab):
        filters = _filters(query)
        summary = cases_by_month(user=analyst, filters=filters, stack=stack, use_summary=True)
        direct = cases_by_month(user=analyst, filters=filters, stack=stack, use_summary=False)
        assert summary == direct, query
    may = cases_by_month(user=analyst, filters=_filters(""))[(datetime.date(2025, 5, 1), 0)]
    assert (may["cases"], may["mass_kg"], may["unquantified"]) == (4, 423.5, 1)
    for method in ("transport_mode", "detection_method"):
        summary = methods_by_area(user=analyst, filters=_filters(""), method=method)
        direct = methods_by_area(
            user=analyst, filters=_filters(""), method=method, use_summary=False
        )
        assert summary == direct
