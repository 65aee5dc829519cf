"""The numbers behind the statistics panels and the trends.

Every count starts from the search form's cleaned data and counts validated
cases only. When the filters map onto the keys of the summary tables (no
filter, country or region of seizure, commodity area or one commodity type,
dates on whole months) the numbers come from the small summary tables. Dates
on part of a month with such filters are cut in two: the whole months between
them from the summaries, the days of the months cut through counted directly.
Any other filter is counted directly, exactly, over the cases the search
matches, copied once per page (seizures/statistics/matching.py). All paths
give the same numbers (tests/seizures/statistics/test_queries.py).
"""

import calendar
import datetime
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import F, Sum

from accounts.models import User
from accounts.regions import COUNTRY_REGION

from ..models import CaseStatMonth, DimensionStatMonth, StatDimension
from ..search.forms import filter_is_set
from . import matching
from .summary import ALL, EVERY_COUNTRY, QUANTITY_COLUMNS, ROUTE_SEPARATOR

# Filters the summary tables can answer; any other non-empty filter means a direct count.
SUMMARY_FILTERS = {"date_from", "date_to", "country", "region", "area", "commodity_type"}
IGNORED = {"sort", "status"}  # statistics always count validated cases, in no order


def _whole_months(filters: dict) -> bool:
    start, end = filters.get("date_from"), filters.get("date_to")
    if start and start.day != 1:
        return False
    return not end or end.day == calendar.monthrange(end.year, end.month)[1]


def _summary_keys(filters: dict) -> bool:
    """Whether the summaries' keys hold these filters, dates aside."""
    used = {name for name, value in filters.items() if name not in IGNORED and filter_is_set(value)}
    if not used <= SUMMARY_FILTERS:
        return False
    types = filters.get("commodity_type")
    # One commodity type at most, and not with an area: the rows of two types of
    # one case would count it twice.
    return not types or (len(types) == 1 and not filters.get("area"))


def summary_allowed(filters: dict) -> bool:
    return _summary_keys(filters) and _whole_months(filters)


def _month_after(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=1) + datetime.timedelta(days=31)).replace(day=1)


def _parts(filters: dict, use_summary: bool | None) -> list[tuple[bool, dict]]:
    """(from the summaries, filters) of the parts whose counts add up to these
    filters' counts: the filters themselves, or (dates on part of a month) the
    whole months between the dates and the days before and after them. A case
    has one date, so it falls in one part only."""
    if use_summary is not None:
        return [(use_summary, filters)]
    if not _summary_keys(filters):
        return [(False, filters)]
    if _whole_months(filters):
        return [(True, filters)]
    start, end = filters.get("date_from"), filters.get("date_to")
    first, last = start, end  # of the whole months
    if start and start.day != 1:
        first = _month_after(start)
    if end and _month_after(end) - datetime.timedelta(days=1) != end:
        last = end.replace(day=1) - datetime.timedelta(days=1)
    if first and last and first > last:  # no whole month: at most two, counted directly
        return [(False, filters)]
    parts = [(True, {**filters, "date_from": first, "date_to": last})]
    if first != start:
        parts.append((False, {**filters, "date_to": first - datetime.timedelta(days=1)}))
    if last != end:
        parts.append((False, {**filters, "date_from": last + datetime.timedelta(days=1)}))
    return parts


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


def _empty() -> dict:
    # "unquantified": the cases among them with a line whose quantity is not
    # recorded, which the quantities leave out.
    return {"cases": 0, **dict.fromkeys(QUANTITY_COLUMNS.values(), Decimal(0)), "unquantified": 0}


def _summary_by_month(filters: dict, stack: str | None) -> dict:
    key = {"area": "area", "type": "commodity_type"}.get(stack)
    rows = _case_summary_rows(filters, stack=stack)
    rows = rows.annotate(stack=F(key)).values("month", "stack") if key else rows.values("month")
    sums = rows.annotate(
        total_cases=Sum("cases"),
        total_unquantified=Sum("unquantified"),
        **{f"total_{c}": Sum(c) for c in QUANTITY_COLUMNS.values()},
    ).order_by()
    return {
        (row["month"], row.get("stack", ALL)): {
            "cases": row["total_cases"],
            "unquantified": row["total_unquantified"] or 0,
            **{column: row[f"total_{column}"] or 0 for column in QUANTITY_COLUMNS.values()},
        }
        for row in sums
    }


def cases_by_month(
    *, user: User, filters: dict, stack: str | None = None, use_summary: bool | None = None
) -> dict[tuple[datetime.date, int], dict]:
    """(first day of month, stack id) → cases and quantities per dimension.

    ``stack`` None: one series (id 0); "area": per commodity area; "type": per
    commodity type. A case with lines of two areas counts once in each area's
    series, and once in the single series."""
    result: dict = defaultdict(_empty)
    for from_summary, part in _parts(filters, use_summary):
        if from_summary:
            rows = _summary_by_month(part, stack)
        else:
            with matching.matching_cases(user=user, filters=part) as cases:
                rows = matching.cases_by_month(cases, stack=stack)
        for key, measures in rows.items():
            totals = result[key]
            for name, value in measures.items():
                totals[name] += value
    return dict(result)


def _counted(user: User, filters: dict, use_summary, summary, direct) -> Counter:
    """Counts per key over the parts: ``summary(filters)`` gives (key, n) rows of
    the summaries, ``direct(cases)`` of a copy of the matching cases."""
    counts: Counter = Counter()
    for from_summary, part in _parts(filters, use_summary):
        if from_summary:
            rows = summary(part)
        else:
            with matching.matching_cases(user=user, filters=part) as cases:
                rows = direct(cases)
        for key, n in rows:
            counts[key] += n
    return counts


def _ranked(counts: Counter, limit: int | None) -> list[tuple]:
    """(key, n), most cases first, then by key, without the keys of no case."""
    rows = sorted(((key, n) for key, n in counts.items() if n), key=lambda row: (-row[1], row[0]))
    return rows[:limit] if limit else rows


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

    def summary(part):
        counts = _dimension_summary_rows(part, kind).values("value").annotate(n=Sum("cases"))
        return counts.order_by().values_list("value", "n")

    return _ranked(
        _counted(
            user,
            filters,
            use_summary,
            summary,
            lambda cases: matching.dimension_counts(cases, kind=kind),
        ),
        limit,
    )


def top_countries(
    *, user: User, filters: dict, role: str = "reporting", limit: int = 10, use_summary=None
) -> list[tuple[str, int]]:
    """The countries with the most validated cases, as reporting country or in
    one role on the route (departure, transit, destination)."""
    if role != "reporting":
        return dimension_counts(
            user=user, filters=filters, kind=role, limit=limit, use_summary=use_summary
        )

    def summary(part):
        counts = _case_summary_rows(part).values("country").annotate(n=Sum("cases"))
        return counts.order_by().values_list("country", "n")

    return _ranked(
        _counted(user, filters, use_summary, summary, matching.reporting_countries), limit
    )


def top_routes(
    *, user: User, filters: dict, limit: int = 10, use_summary=None
) -> list[tuple[str, str, int]]:
    """The departure → destination pairs with the most validated cases. A case
    with two departures (or destinations) counts once on each of its pairs."""
    rows = dimension_counts(
        user=user, filters=filters, kind=StatDimension.ROUTE, limit=limit, use_summary=use_summary
    )
    return [(*value.split(ROUTE_SEPARATOR), n) for value, n in rows]


def methods_by_area(
    *, user: User, filters: dict, method: str, use_summary: bool | None = None
) -> list[tuple[int, int, int]]:
    """(method id, commodity area id, cases) for transport, detection or
    concealment, most cases first: a case counts once per area among its lines."""

    def summary(part):
        rows = (
            _dimension_summary_rows(part, method, stack="area")
            .values("value", "area")
            .annotate(n=Sum("cases"))
            .order_by()
        )
        return [((int(row["value"]), row["area"]), row["n"]) for row in rows]

    def direct(cases):
        rows = matching.methods_by_area(cases, method=method)
        return [((value, area), n) for value, area, n in rows]

    counts = _counted(user, filters, use_summary, summary, direct)
    return [(value, area, n) for (value, area), n in _ranked(counts, None)]
