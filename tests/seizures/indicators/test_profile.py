"""The profile's numbers against direct ORM counts on a small known data set:
validated cases only, quantities never added across units."""

import datetime
from decimal import Decimal

from django.db.models import Count, Sum

from seizures.indicators.profile import _quartile, indicator_profile
from seizures.models import Case, CaseStatus, CommodityLine, RouteLeg

from .conftest import filters_of, query_dict


def _profile(user, query):
    return indicator_profile(user=user, filters=filters_of(query), query=query_dict(query))


def _panel(profile, name):
    return next(panel for panel in profile.panels if panel.name == name)


def _validated_cocaine(vocab):
    return (
        Case.objects.filter(status=CaseStatus.VALIDATED, lines__commodity_type=vocab.cocaine)
        .distinct()
        .order_by()
    )  # no default ordering in the GROUP BY


def test_cases_and_months_count_validated_cases_only(known_cases, analyst, vocab, cocaine_query):
    profile = _profile(analyst, cocaine_query)
    cases = _validated_cocaine(vocab)
    assert profile.cases == cases.count() == 4  # not the draft, submitted or rejected ones
    direct = {}
    for case in cases:
        month = f"{case.seizure_date:%Y-%m}"
        direct[month] = direct.get(month, 0) + 1
    # February has no case and is shown as 0 between January and March.
    assert profile.months.rows == [["2025-01", 2], ["2025-02", 0], ["2025-03", 2]]
    assert {month: n for month, n in profile.months.rows if n} == direct
    assert "date_from=2025-02-01" in profile.months.links[1]
    assert "date_to=2025-02-28" in profile.months.links[1]


def test_month_links_stay_inside_the_filters_dates(known_cases, analyst, vocab):
    query = f"commodity_type={vocab.cocaine.pk}&date_from=2025-01-15&date_to=2025-03-10"
    profile = _profile(analyst, query)
    assert profile.months.rows == [["2025-01", 1], ["2025-02", 0], ["2025-03", 1]]
    assert "date_from=2025-01-15" in profile.months.links[0]
    assert "date_to=2025-03-10" in profile.months.links[-1]


def test_typical_quantities_per_dimension_equal_a_direct_computation(
    known_cases, analyst, vocab, cocaine_query
):
    profile = _profile(analyst, cocaine_query)
    rows = {row.dimension: row for row in profile.quantities}
    # Mass: 120.5 kg (120 kg + 500 g of one case), 30 kg, 10 kg; volume: 4 litres.
    # The Kenyan case's 200 cigarette sticks are not cocaine: no pieces at all.
    assert set(rows) == {"mass", "volume"}
    mass = rows["mass"]
    assert (mass.cases, mass.total) == (3, Decimal("160.5"))
    assert (mass.lower_quartile, mass.median, mass.upper_quartile) == (
        Decimal("20"),
        Decimal("30"),
        Decimal("75.25"),
    )
    assert (rows["volume"].cases, rows["volume"].median) == (1, Decimal("4"))

    direct = (
        CommodityLine.objects.filter(
            case__status=CaseStatus.VALIDATED, commodity_type=vocab.cocaine
        )
        .values("case", "unit__dimension")
        .annotate(quantity=Sum("normalised_quantity"))
    )
    per_dimension = {}
    for row in direct:
        per_dimension.setdefault(row["unit__dimension"], []).append(row["quantity"])
    for dimension, values in per_dimension.items():
        assert rows[dimension].total == sum(values)
        assert rows[dimension].cases == len(values)


def test_quartiles_interpolate_like_percentile_cont():
    values = [Decimal(v) for v in (1, 2, 3, 4, 10)]
    assert [_quartile(values, q) for q in (1, 2, 3)] == [2, 3, 4]
    assert [_quartile([Decimal(1), Decimal(2)], q) for q in (1, 2, 3)] == [
        Decimal("1.25"),
        Decimal("1.5"),
        Decimal("1.75"),
    ]
    assert _quartile([Decimal(7)], 2) == 7


def test_methods_countries_and_routes_with_shares(known_cases, analyst, vocab, cocaine_query):
    profile = _profile(analyst, cocaine_query)
    cases = _validated_cocaine(vocab)
    concealment = _panel(profile, "concealment")
    direct = (
        Case.concealment_methods.through.objects.filter(case__in=cases)
        .values("concealmentmethod__label")
        .annotate(n=Count("case"))
    )
    assert {row[0]: row[1] for row in concealment.rows} == {
        row["concealmentmethod__label"]: row["n"] for row in direct
    }
    assert concealment.rows[0][1:] == [2, Decimal("50.0")]  # mixed in cargo: 2 of 4

    transport = _panel(profile, "transport_mode")
    direct = cases.values("transport_mode__label").annotate(n=Count("pk", distinct=True))
    assert {row[0]: row[1] for row in transport.rows} == {
        row["transport_mode__label"]: row["n"] for row in direct
    }
    assert sum(row[1] for row in transport.rows) == 4
    assert sum(row[2] for row in transport.rows) == 100

    detection = _panel(profile, "detection_method")
    assert sum(row[1] for row in detection.rows) == 4

    departures = _panel(profile, "departure")
    direct = (
        RouteLeg.objects.filter(case__in=cases, kind="departure")
        .values("country")
        .annotate(n=Count("case", distinct=True))
    )
    assert sorted(row[1] for row in departures.rows) == sorted(row["n"] for row in direct)
    assert departures.rows[0] == ["Ecuador", 3, Decimal("75.0")]
    assert "departure=EC" in departures.links[0] and "status=validated" in departures.links[0]

    routes = _panel(profile, "routes")
    assert routes.rows == [
        ["Ecuador → France", 2, Decimal("50.0")],
        ["Colombia → France", 1, Decimal("25.0")],
        ["Ecuador → Kenya", 1, Decimal("25.0")],
    ]


def test_an_indicator_without_cases_has_an_empty_profile(known_cases, analyst, vocab):
    profile = _profile(analyst, f"commodity_type={vocab.cocaine.pk}&date_from=2030-01-01")
    assert profile.cases == 0
    assert profile.months.rows == [] and profile.quantities == []
    assert all(panel.rows == [] for panel in profile.panels)


def test_a_case_validated_later_joins_the_profile(
    known_cases, analyst, vocab, cocaine_query, record, officer, national_admin
):
    from seizures.services import cases as case_services

    before = _profile(analyst, cocaine_query).cases
    case = record(officer, date=datetime.date(2025, 2, 3), quantity="1")
    assert _profile(analyst, cocaine_query).cases == before  # submitted: not yet
    case_services.case_validate(user=national_admin, case=case)
    profile = _profile(analyst, cocaine_query)
    assert profile.cases == before + 1
    assert ["2025-02", 1] in profile.months.rows
