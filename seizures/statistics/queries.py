"""The numbers behind the statistics panels and the trends.

Every count starts from the search form's cleaned data and counts validated
cases only. When the filters map onto the keys of the summary tables (no
filter, country or region of seizure, commodity area or one commodity type,
dates on whole months) the numbers come from the small summary tables;
otherwise they are counted through ``case_search`` itself, exactly, over the
matching cases. Both paths give the same numbers
(tests/seizures/statistics/test_queries.py).
"""

import calendar
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, FilteredRelation, Q, Sum
from django.db.models.functions import TruncMonth

from accounts.models import User
from accounts.regions import COUNTRY_REGION

from ..models import (
    Case,
    CaseStatMonth,
    CaseStatus,
    CommodityLine,
    DimensionStatMonth,
    RouteLeg,
    StatDimension,
)
from ..search.forms import filter_is_set
from ..search.query import case_search
from .summary import ALL, EVERY_COUNTRY, LEG_KINDS, ROUTE_SEPARATOR, route_value

QUANTITY_COLUMNS = {
    "mass": "mass_kg",
    "volume": "volume_l",
    "count": "count_pieces",
    "heads": "heads",
}
# Filters the summary tables can answer; any other non-empty filter means a direct count.
SUMMARY_FILTERS = {"date_from", "date_to", "country", "region", "area", "commodity_type"}
IGNORED = {"sort", "status"}  # statistics always count validated cases, in no order


def _whole_months(filters: dict) -> bool:
    start, end = filters.get("date_from"), filters.get("date_to")
    if start and start.day != 1:
        return False
    return not end or end.day == calendar.monthrange(end.year, end.month)[1]


def summary_allowed(filters: dict) -> bool:
    used = {name for name, value in filters.items() if name not in IGNORED and filter_is_set(value)}
    if not used <= SUMMARY_FILTERS or not _whole_months(filters):
        return False
    types = filters.get("commodity_type")
    # One commodity type at most, and not with an area: the rows of two types of
    # one case would count it twice.
    return not types or (len(types) == 1 and not filters.get("area"))


def _level(filters: dict) -> tuple[int, int]:
    """(area, commodity type) of the summary rows that answer these filters."""
    if filters.get("commodity_type"):
        [commodity_type] = filters["commodity_type"]
        return commodity_type.area_id, commodity_type.pk
    if filters.get("area"):
        return filters["area"].pk, ALL
    return ALL, ALL


def _reporting_countries(filters: dict) -> list[str] | None:
    """The countries of seizure the filters keep, or None for all of them."""
    if filters.get("region"):
        codes = {code for code, region in COUNTRY_REGION.items() if region == filters["region"]}
        if filters.get("country"):
            codes &= set(filters["country"])
        return sorted(codes)
    return list(filters["country"]) if filters.get("country") else None


def _in_months(rows, filters: dict):
    if filters.get("date_from"):
        rows = rows.filter(month__gte=filters["date_from"])
    if filters.get("date_to"):
        rows = rows.filter(month__lte=filters["date_to"])
    return rows


def _at_level(rows, filters: dict, *, stack: str | None = None):
    """The rows of the commodity level the filters name, or (``stack``) one level
    down: per area ("area") or per commodity type ("type")."""
    area, commodity_type = _level(filters)
    if commodity_type != ALL:
        return rows.filter(area=area, commodity_type=commodity_type)
    if stack == "type":
        rows = rows.exclude(commodity_type=ALL)
        return rows.filter(area=area) if area != ALL else rows
    if stack == "area" and area == ALL:
        return rows.filter(commodity_type=ALL).exclude(area=ALL)
    return rows.filter(area=area, commodity_type=ALL)


def _case_summary_rows(filters: dict, *, stack: str | None = None):
    rows = _in_months(CaseStatMonth.objects.all(), filters)
    countries = _reporting_countries(filters)
    if countries is not None:
        rows = rows.filter(country__in=countries)
    return _at_level(rows, filters, stack=stack)


def _dimension_summary_rows(filters: dict, kind: str, *, stack: str | None = None):
    rows = DimensionStatMonth.objects.filter(kind=kind)
    countries = _reporting_countries(filters)
    if countries is None:
        rows = rows.filter(country=EVERY_COUNTRY)
    else:
        rows = rows.filter(country__in=countries)
    return _at_level(_in_months(rows, filters), filters, stack=stack)


def _validated(user: User, filters: dict):
    return case_search(user=user, filters={**filters, "status": CaseStatus.VALIDATED}).order_by()


def _lines(user: User, filters: dict):
    """The lines of the matching cases that the commodity filters select."""
    lines = CommodityLine.objects.filter(case__in=_validated(user, filters))
    if filters.get("area"):
        lines = lines.filter(commodity_type__area=filters["area"])
    if filters.get("commodity_type"):
        lines = lines.filter(commodity_type__in=filters["commodity_type"])
    return lines


def _empty() -> dict:
    # "unquantified": the cases among them with a line whose quantity is not
    # recorded, which the quantities leave out.
    return {"cases": 0, **dict.fromkeys(QUANTITY_COLUMNS.values(), Decimal(0)), "unquantified": 0}


def cases_by_month(
    *, user: User, filters: dict, stack: str | None = None, use_summary: bool | None = None
) -> dict[tuple[datetime.date, int], dict]:
    """(first day of month, stack id) → cases and quantities per dimension.

    ``stack`` None: one series (id 0); "area": per commodity area; "type": per
    commodity type. A case with lines of two areas counts once in each area's
    series, and once in the single series."""
    if use_summary is None:
        use_summary = summary_allowed(filters)
    result: dict = defaultdict(_empty)
    if use_summary:
        key = {"area": "area", "type": "commodity_type"}.get(stack)
        rows = _case_summary_rows(filters, stack=stack)
        rows = rows.annotate(stack=F(key)).values("month", "stack") if key else rows.values("month")
        sums = rows.annotate(
            total_cases=Sum("cases"),
            total_unquantified=Sum("unquantified"),
            **{f"total_{c}": Sum(c) for c in QUANTITY_COLUMNS.values()},
        ).order_by()
        for row in sums:
            totals = result[(row["month"], row.get("stack", ALL))]
            totals["cases"] += row["total_cases"]
            totals["unquantified"] += row["total_unquantified"]
            for column in QUANTITY_COLUMNS.values():
                totals[column] += row[f"total_{column}"] or 0
        return dict(result)

    group = {"area": "commodity_type__area", "type": "commodity_type"}.get(stack)
    lines = _lines(user, filters).annotate(month=TruncMonth("case__seizure_date"))
    keys = ["month", group] if group else ["month"]
    counts = (
        lines.values(*keys)
        .annotate(
            n=Count("case", distinct=True),
            unquantified=Count("case", distinct=True, filter=Q(quantity_not_recorded=True)),
        )
        .order_by()
    )
    for row in counts:
        totals = result[(row["month"], row[group] if group else ALL)]
        totals["cases"], totals["unquantified"] = row["n"], row["unquantified"]
    quantities = (
        lines.values(*keys, "unit__dimension").annotate(total=Sum("normalised_quantity")).order_by()
    )
    for row in quantities:
        column = QUANTITY_COLUMNS[row["unit__dimension"]]
        result[(row["month"], row[group] if group else ALL)][column] += row["total"] or 0
    return dict(result)


def _direct_dimension(user: User, filters: dict, kind: str):
    """Rows of (value, n): validated matching cases per value of one dimension."""
    cases = _validated(user, filters)
    if kind in LEG_KINDS:
        return (
            RouteLeg.objects.filter(case__in=cases, kind=kind)
            .values(value=F("country"))
            .annotate(n=Count("case", distinct=True))
        )
    if kind == StatDimension.ROUTE:
        return (
            Case.objects.filter(pk__in=cases)
            .annotate(
                departure=FilteredRelation(
                    "route_legs", condition=Q(route_legs__kind=StatDimension.DEPARTURE)
                ),
                destination=FilteredRelation(
                    "route_legs", condition=Q(route_legs__kind=StatDimension.DESTINATION)
                ),
            )
            .exclude(departure__country=None)
            .exclude(destination__country=None)
            .values(value_from=F("departure__country"), value_to=F("destination__country"))
            .annotate(n=Count("pk", distinct=True))
        )
    column = {
        StatDimension.ADMINISTRATION: "administration",
        StatDimension.TRANSPORT_MODE: "transport_mode",
        StatDimension.DETECTION_METHOD: "detection_method",
        StatDimension.CONCEALMENT: "concealment_methods",
    }[kind]
    return (
        cases.exclude(**{column: None})
        .values(value=F(column))
        .annotate(n=Count("pk", distinct=True))
    )


def dimension_counts(
    *,
    user: User,
    filters: dict,
    kind: str,
    limit: int | None = None,
    use_summary: bool | None = None,
) -> list[tuple[str, int]]:
    """(value, validated cases) of one dimension (``StatDimension``), most cases
    first, then by value. Values are strings: a country code, a route "EC>FR",
    a vocabulary entry's id."""
    if use_summary is None:
        use_summary = summary_allowed(filters)
    if use_summary:
        counts = _dimension_summary_rows(filters, kind).values("value").annotate(n=Sum("cases"))
        counts = counts.order_by("-n", "value")
        rows = [(row["value"], row["n"]) for row in (counts[:limit] if limit else counts)]
        return [(value, n) for value, n in rows if n]
    counts = _direct_dimension(user, filters, kind)
    if kind == StatDimension.ROUTE:
        rows = [(route_value(str(r["value_from"]), str(r["value_to"])), r["n"]) for r in counts]
    else:
        rows = [(str(row["value"]), row["n"]) for row in counts]
    rows.sort(key=lambda row: (-row[1], row[0]))
    return rows[:limit] if limit else rows


def top_countries(
    *, user: User, filters: dict, role: str = "reporting", limit: int = 10, use_summary=None
) -> list[tuple[str, int]]:
    """The countries with the most validated cases, as reporting country or in
    one role on the route (departure, transit, destination)."""
    if role != "reporting":
        return dimension_counts(
            user=user, filters=filters, kind=role, limit=limit, use_summary=use_summary
        )
    if use_summary is None:
        use_summary = summary_allowed(filters)
    if use_summary:
        counts = _case_summary_rows(filters).values("country").annotate(n=Sum("cases"))
    else:
        counts = _validated(user, filters).values("country").annotate(n=Count("pk"))
    counts = counts.order_by("-n", "country")[:limit]
    return [(str(row["country"]), row["n"]) for row in counts]


def top_routes(
    *, user: User, filters: dict, limit: int = 10, use_summary=None
) -> list[tuple[str, str, int]]:
    """The departure → destination pairs with the most validated cases. A case
    with two departures (or destinations) counts once on each of its pairs."""
    rows = dimension_counts(
        user=user, filters=filters, kind=StatDimension.ROUTE, limit=limit, use_summary=use_summary
    )
    return [(*value.split(ROUTE_SEPARATOR), n) for value, n in rows]


METHOD_FIELDS = {
    "transport_mode": "case__transport_mode",
    "detection_method": "case__detection_method",
    "concealment": "case__concealment_methods",
}


def methods_by_area(
    *, user: User, filters: dict, method: str, use_summary: bool | None = None
) -> list[tuple[int, int, int]]:
    """(method id, commodity area id, cases) for transport, detection or
    concealment, most cases first: a case counts once per area among its lines."""
    if use_summary is None:
        use_summary = summary_allowed(filters)
    if use_summary:
        rows = (
            _dimension_summary_rows(filters, method, stack="area")
            .values("value", "area")
            .annotate(n=Sum("cases"))
            .order_by("-n", "value", "area")
        )
        return [(int(row["value"]), row["area"], row["n"]) for row in rows if row["n"]]
    column = METHOD_FIELDS[method]
    rows = (
        _lines(user, filters)
        .exclude(**{column: None})
        .values(column, "commodity_type__area")
        .annotate(n=Count("case", distinct=True))
        .order_by("-n", column, "commodity_type__area")
    )
    return [(row[column], row["commodity_type__area"], row["n"]) for row in rows]
