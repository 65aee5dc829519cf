"""The direct counts (filters the summaries cannot answer, counted from a copy of
the matching cases) against counts made with the ORM straight from the search,
for each kind of filter; and the search run once per page, not once per panel."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, FilteredRelation, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from seizures.models import (
    Case,
    CaseStatus,
    CommodityArea,
    CommodityLine,
    CommodityType,
    ConcealmentMethod,
    DetectionMethod,
    RouteLeg,
    StatDimension,
    TransportMode,
)
from seizures.search.forms import CaseSearchForm
from seizures.search.query import case_search
from seizures.services import cases as services
from seizures.statistics.matching import shared_matching
from seizures.statistics.queries import (
    QUANTITY_COLUMNS,
    cases_by_month,
    dimension_counts,
    methods_by_area,
    summary_allowed,
    top_countries,
)
from seizures.statistics.summary import route_value
from seizures.validation import CaseData

from .facts_reference import assert_facts_agree_with_the_cases

pytestmark = pytest.mark.usefixtures("direct_path")

# --- The reference: each count with the ORM, from the search's queryset --------------


def _validated(user, filters):
    return case_search(user=user, filters={**filters, "status": CaseStatus.VALIDATED}).order_by()


def _lines(user, filters):
    lines = CommodityLine.objects.filter(case__in=_validated(user, filters))
    if filters.get("area"):
        lines = lines.filter(commodity_type__area=filters["area"])
    if filters.get("commodity_type"):
        lines = lines.filter(commodity_type__in=filters["commodity_type"])
    return lines


def orm_cases_by_month(user, filters, stack):
    group = {"area": "commodity_type__area", "type": "commodity_type"}.get(stack)
    lines = _lines(user, filters).annotate(month=TruncMonth("case__seizure_date"))
    keys = ["month", group] if group else ["month"]
    result = defaultdict(
        lambda: {"cases": 0, "unquantified": 0, **dict.fromkeys(QUANTITY_COLUMNS.values(), 0)}
    )
    counts = lines.values(*keys).annotate(
        n=Count("case", distinct=True),
        unquantified=Count("case", distinct=True, filter=Q(quantity_not_recorded=True)),
    )
    for row in counts.order_by():
        totals = result[(row["month"], row[group] if group else 0)]
        totals["cases"], totals["unquantified"] = row["n"], row["unquantified"]
    quantities = lines.values(*keys, "unit__dimension").annotate(total=Sum("normalised_quantity"))
    for row in quantities.order_by():
        key = (row["month"], row[group] if group else 0)
        result[key][QUANTITY_COLUMNS[row["unit__dimension"]]] += row["total"] or 0
    return dict(result)


def orm_dimension_counts(user, filters, kind):
    cases = _validated(user, filters)
    if kind in ("departure", "transit", "destination"):
        rows = (
            RouteLeg.objects.filter(case__in=cases, kind=kind)
            .values_list("country")
            .annotate(n=Count("case", distinct=True))
        )
    elif kind == StatDimension.ROUTE:
        pairs = (
            Case.objects.filter(pk__in=cases)
            .annotate(
                departure=FilteredRelation("route_legs", condition=Q(route_legs__kind="departure")),
                destination=FilteredRelation(
                    "route_legs", condition=Q(route_legs__kind="destination")
                ),
            )
            .exclude(departure__country=None)
            .exclude(destination__country=None)
            .values_list("departure__country", "destination__country")
            .annotate(n=Count("pk", distinct=True))
        )
        rows = [(route_value(departure, to), n) for departure, to, n in pairs]
    else:
        column = {
            StatDimension.ADMINISTRATION: "administration",
            StatDimension.TRANSPORT_MODE: "transport_mode",
            StatDimension.DETECTION_METHOD: "detection_method",
            StatDimension.CONCEALMENT: "concealment_methods",
        }[kind]
        rows = (
            cases.exclude(**{column: None})
            .values_list(column)
            .annotate(n=Count("pk", distinct=True))
        )
    return sorted(((str(value), n) for value, n in rows), key=lambda row: (-row[1], row[0]))


def orm_reporting_countries(user, filters):
    rows = _validated(user, filters).values_list("country").annotate(n=Count("pk"))
    return sorted(((str(country), n) for country, n in rows), key=lambda row: (-row[1], row[0]))


def orm_methods_by_area(user, filters, method):
    column = {
        "transport_mode": "case__transport_mode",
        "detection_method": "case__detection_method",
        "concealment": "case__concealment_methods",
    }[method]
    rows = (
        _lines(user, filters)
        .exclude(**{column: None})
        .values_list(column, "commodity_type__area")
        .annotate(n=Count("case", distinct=True))
        .order_by()
    )
    return sorted(rows, key=lambda row: (-row[2], row[0], row[1]))


# --- The cases -------------------------------------------------------------------------


@pytest.fixture
def mixed(validated, record, officer, kenyan_officer, national_admin, make_user, kenya):
    """The validated cases, plus some in mid-month, with other transport modes,
    detection and concealment methods, words in the narrative and two lines of one
    area, and a case of no validated status."""
    from accounts.models import Role

    modes = list(TransportMode.objects.order_by("order"))
    detections = list(DetectionMethod.objects.order_by("order"))
    concealments = list(ConcealmentMethod.objects.order_by("order"))
    french = [
        record(
            officer,
            date=datetime.date(2025, 6, 20),
            quantity="7",
            legs=[("departure", "CO"), ("departure", "EC"), ("destination", "FR")],
            transport_mode=modes[-1],
            detection_method=detections[-1],
            concealment_methods=concealments[:2],
            narrative="Hidden in banana boxes",
        ),
        record(
            officer,
            date=datetime.date(2025, 5, 14),
            quantity="250",
            more_lines=[("HEROIN", "40", "KG"), ("CIGARETTES", "3", "CARTON")],
            legs=[("departure", "PK"), ("transit", "AE"), ("transit", "TR")],
            transport_mode=modes[1],
            concealment_methods=concealments[2:3],
            narrative="Banana crates in a reefer container",
        ),
        record(
            officer,
            date=datetime.date(2025, 7, 31),
            commodity="CIGARETTES",
            quantity="900",
            unit="CARTON",
            legs=[("departure", "AE"), ("destination", "FR")],
            transport_mode=modes[1],
        ),
    ]
    for case in french:
        services.case_validate(user=national_admin, case=case)
    kenyan = record(
        kenyan_officer,
        date=datetime.date(2025, 6, 1),
        commodity="IVORY",
        quantity="80",
        legs=[("departure", "KE"), ("destination", "VN")],
        transport_mode=modes[1],
        narrative="Ivory tusks in timber",
    )
    services.case_validate(user=make_user(kenya, Role.NATIONAL_ADMIN), case=kenyan)
    record(officer, date=datetime.date(2025, 6, 3), quantity="500", transport_mode=modes[1])
    return [*validated, *french, kenyan]


@pytest.fixture
def written(mixed, record, officer, national_admin, vocab, trace_not_known):
    """``mixed``, then the other ways a case enters or leaves the statistics: a
    trace (quantity not recorded) beside a weighed line, a case edited after
    validation (reopened, changed, validated again), one reopened and rejected
    after validation, and two validated together (a bulk validation)."""
    from seizures.services import bulk

    concealments = list(ConcealmentMethod.objects.order_by("order"))
    edited = mixed[0]
    services.case_reopen(user=national_admin, case=edited)
    data = CaseData(
        fields={
            "seizure_date": datetime.date(2025, 6, 11),
            "country": edited.country,
            "transport_mode": vocab.transport,
            "detection_method": vocab.detection,
            "concealment_methods": concealments[1:3],
            "narrative": "Banana leaves over the heroin",
        },
        lines=[
            {"commodity_type": vocab.cocaine, "quantity": Decimal("4"), "unit": vocab.kg},
            {
                "commodity_type": CommodityType.objects.get(code="HEROIN"),
                "quantity": Decimal("6"),
                "unit": vocab.kg,
            },
        ],
        legs=[
            {"kind": "departure", "country": "BR", "place": ""},
            {"kind": "departure", "country": "AR", "place": ""},
            {"kind": "destination", "country": "FR", "place": ""},
        ],
        offenders=[],
    )
    services.case_update(user=officer, case=edited, data=data)
    services.case_submit(user=officer, case=edited)
    services.case_validate(user=national_admin, case=edited)
    rejected = mixed[1]
    services.case_reopen(user=national_admin, case=rejected)
    services.case_submit(user=officer, case=rejected)
    services.case_reject(user=national_admin, case=rejected, reason="Wrong quantity")
    together = [
        record(
            officer,
            date=datetime.date(2025, 5, 25),
            quantity="60",
            more_lines=[("IVORY", "2", "KG")],
            legs=[("departure", "EC"), ("departure", "CO"), ("destination", "FR")],
            narrative="Banana pallets",
        ),
        record(officer, date=datetime.date(2025, 7, 2), commodity="IVORY", quantity="15"),
    ]
    bulk.cases_workflow_apply(
        user=national_admin, case_ids=[case.pk for case in together], action="validate"
    )
    assert_facts_agree_with_the_cases()
    return [case for case in mixed if case.pk != rejected.pk] + [trace_not_known, *together]


def _filters(query: str) -> dict:
    form = CaseSearchForm(QueryDict(query))
    assert form.is_valid(), form.errors
    return form.cleaned_data


def _queries(vocab) -> list[str]:
    """One of each kind of filter the summaries cannot answer, and combinations."""
    second_mode = TransportMode.objects.order_by("order")[1].pk
    drugs = CommodityArea.objects.get(types=vocab.cocaine)
    return [
        f"transport_mode={second_mode}",
        f"transport_mode={vocab.transport.pk}&transport_mode={second_mode}",
        "q=banana",
        "q=zzzqqq",  # free text that matches no case
        "quantity_min=100",
        "quantity_min=5&quantity_max=100",
        "date_from=2025-05-10",
        "date_to=2025-06-25",
        "date_from=2025-05-02&date_to=2025-06-30",
        "date_from=2025-05-10&date_to=2025-07-15",
        "date_from=2025-05-02&date_to=2025-05-20",  # within one month
        f"date_from=2025-05-02&country=FR&area={drugs.pk}",
        f"transport_mode={second_mode}&country=FR&date_from=2025-05-10&q=banana",
        f"area={drugs.pk}&quantity_min=50&date_to=2025-06-25",
        f"commodity_type={vocab.cocaine.pk}&commodity_type={vocab.cigarettes.pk}",
        f"concealment={ConcealmentMethod.objects.order_by('order')[0].pk}",
        "departure=EC&destination=FR",
    ]


def test_the_queries_are_not_ones_the_summaries_answer_whole(written, vocab):
    for query in _queries(vocab):
        assert not summary_allowed(_filters(query)), query


@pytest.mark.parametrize("stack", [None, "area", "type"])
def test_cases_over_time_equal_the_orm_count_for_every_kind_of_filter(
    written, analyst, vocab, stack
):
    for query in _queries(vocab):
        filters = _filters(query)
        counted = cases_by_month(user=analyst, filters=filters, stack=stack)
        assert counted == orm_cases_by_month(analyst, filters, stack), query


@pytest.mark.parametrize("kind", StatDimension.values)
def test_every_dimension_equals_the_orm_count_for_every_kind_of_filter(
    written, analyst, vocab, kind
):
    for query in _queries(vocab):
        filters = _filters(query)
        counted = dimension_counts(user=analyst, filters=filters, kind=kind)
        assert counted == orm_dimension_counts(analyst, filters, kind), query


def test_reporting_countries_equal_the_orm_count_for_every_kind_of_filter(written, analyst, vocab):
    for query in _queries(vocab):
        filters = _filters(query)
        counted = top_countries(user=analyst, filters=filters, limit=100)
        assert counted == orm_reporting_countries(analyst, filters), query


@pytest.mark.parametrize("method", ["transport_mode", "detection_method", "concealment"])
def test_methods_per_area_equal_the_orm_count_for_every_kind_of_filter(
    written, analyst, vocab, method
):
    for query in _queries(vocab):
        filters = _filters(query)
        counted = methods_by_area(user=analyst, filters=filters, method=method)
        assert counted == orm_methods_by_area(analyst, filters, method), query


def test_the_counts_are_the_same_inside_a_shared_copy(written, analyst, vocab):
    for query in _queries(vocab):
        filters = _filters(query)
        alone = [
            cases_by_month(user=analyst, filters=filters, stack="area"),
            dimension_counts(user=analyst, filters=filters, kind="route"),
            methods_by_area(user=analyst, filters=filters, method="concealment"),
        ]
        with shared_matching():
            shared = [
                cases_by_month(user=analyst, filters=filters, stack="area"),
                dimension_counts(user=analyst, filters=filters, kind="route"),
                methods_by_area(user=analyst, filters=filters, method="concealment"),
            ]
        assert shared == alone, query


def test_the_known_numbers_of_a_filter_the_summaries_cannot_answer(mixed, analyst):
    second_mode = TransportMode.objects.order_by("order")[1]
    filters = _filters(f"transport_mode={second_mode.pk}")
    by_month = cases_by_month(user=analyst, filters=filters)
    # May: the heroin case; June: the ivory (the submitted case of 500 kg never counts).
    assert by_month[(datetime.date(2025, 5, 1), 0)]["cases"] == 1
    assert by_month[(datetime.date(2025, 5, 1), 0)]["mass_kg"] == Decimal(290)
    assert by_month[(datetime.date(2025, 6, 1), 0)]["mass_kg"] == Decimal(80)
    assert top_countries(user=analyst, filters=filters) == [("FR", 2), ("KE", 1)]
    assert dimension_counts(user=analyst, filters=filters, kind="transit") == [
        ("AE", 1),
        ("TR", 1),
    ]


def _summary_reads(queries) -> int:
    return sum('"seizures_casestatmonth"' in query["sql"] for query in queries)


def test_part_month_dates_take_the_whole_months_between_them_from_the_summaries(
    mixed, analyst, vocab
):
    june = datetime.date(2025, 6, 1)
    filters = _filters("date_from=2025-05-10&date_to=2025-07-15")
    with CaptureQueriesContext(connection) as queries:
        counted = cases_by_month(user=analyst, filters=filters, stack="type")
    assert _summary_reads(queries.captured_queries) == 1  # June
    assert counted == orm_cases_by_month(analyst, filters, "type")
    # May from the 10th, June whole; nothing in July before the 15th.
    assert {month for month, _type in counted} == {datetime.date(2025, 5, 1), june}
    assert counted[(june, vocab.cigarettes.pk)]["cases"] == 1


def _temporary_tables() -> list[str]:
    if connection.vendor == "postgresql":
        statement = "SELECT tablename FROM pg_tables WHERE schemaname LIKE 'pg_temp%'"
    else:
        statement = "SELECT name FROM sqlite_temp_master WHERE type = 'table'"
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return [name for (name,) in cursor.fetchall()]


def _searches(queries, marker: str) -> int:
    """The statements that ran the search (the one condition only it holds)."""
    return sum(marker in query["sql"] for query in queries)


def test_the_statistics_page_runs_the_search_once_for_every_panel_and_the_map(
    mixed, as_user, analyst
):
    second_mode = TransportMode.objects.order_by("order")[1]
    client = as_user(analyst)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("seizures:statistics"), {"transport_mode": second_mode.pk})
    assert response.status_code == 200
    assert _searches(queries.captured_queries, '"transport_mode_id" IN') == 1
    assert _temporary_tables() == []  # every copy is gone with the page


def test_the_trends_page_runs_the_search_once_per_period(mixed, as_user, analyst):
    second_mode = TransportMode.objects.order_by("order")[1]
    client = as_user(analyst)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("seizures:statistics-trends"),
            {"transport_mode": second_mode.pk, "end": "2025-07", "months": "2"},
        )
    assert response.status_code == 200
    assert _searches(queries.captured_queries, '"transport_mode_id" IN') == 2
    page = response.content.decode()
    assert page.count("<tr data-kind=") > 0
