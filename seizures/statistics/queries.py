"""The numbers behind the statistics panels.

Every panel starts from the search form's cleaned data and counts validated
cases only. When the filters map onto the keys of the summary tables (no
filter, country or region of seizure, commodity area or one commodity type,
dates on whole months) the panel reads the small summary tables; otherwise it
counts through ``case_search`` itself, exactly, over the matching cases.
Both paths give the same numbers (tests/seizures/test_statistics_queries.py).
"""

import calendar
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.db.models.functions import TruncMonth

from accounts.models import User
from accounts.regions import COUNTRY_REGION

from ..models import CaseStatMonth, CaseStatus, CommodityLine, RouteLeg, RouteStatMonth
from ..search.query import case_search
from .summary import ALL

QUANTITY_COLUMNS = {
    "mass": "mass_kg",
    "volume": "volume_l",
    "count": "count_pieces",
    "heads": "heads",
}
# Filters the summary tables can answer; any other non-empty filter means a direct count.
CASE_TABLE_FILTERS = {"date_from", "date_to", "country", "region", "area", "commodity_type"}
ROUTE_TABLE_FILTERS = {"date_from", "date_to", "area", "commodity_type"}
IGNORED = {"sort", "status"}  # statistics always count validated cases, in no order


def _is_set(value) -> bool:
    if hasattr(value, "exists") and not isinstance(value, list | tuple):
        return value.exists()
    return value not in (None, "", [], (), False)


def _whole_months(filters: dict) -> bool:
    start, end = filters.get("date_from"), filters.get("date_to")
    if start and start.day != 1:
        return False
    return not end or end.day == calendar.monthrange(end.year, end.month)[1]


def summary_allowed(filters: dict, *, table: str = "case") -> bool:
    allowed = CASE_TABLE_FILTERS if table == "case" else ROUTE_TABLE_FILTERS
    used = {name for name, value in filters.items() if name not in IGNORED and _is_set(value)}
    if not used <= allowed or not _whole_months(filters):
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


def _summary_rows(model, filters: dict, *, stack: str | None = None):
    rows = model.objects.all()
    if filters.get("date_from"):
        rows = rows.filter(month__gte=filters["date_from"])
    if filters.get("date_to"):
        rows = rows.filter(month__lte=filters["date_to"])
    if model is CaseStatMonth:
        if filters.get("country"):
            rows = rows.filter(country__in=filters["country"])
        if filters.get("region"):
            codes = [code for code, region in COUNTRY_REGION.items() if region == filters["region"]]
            rows = rows.filter(country__in=codes)
    area, commodity_type = _level(filters)
    if commodity_type != ALL:
        return rows.filter(area=area, commodity_type=commodity_type)
    if stack == "type":
        rows = rows.exclude(commodity_type=ALL)
        return rows.filter(area=area) if area != ALL else rows
    if stack == "area" and area == ALL:
        return rows.filter(commodity_type=ALL).exclude(area=ALL)
    return rows.filter(area=area, commodity_type=ALL)


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
    return {"cases": 0, **dict.fromkeys(QUANTITY_COLUMNS.values(), Decimal(0))}


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
        stack_value = F(key) if key else None
        rows = _summary_rows(CaseStatMonth, filters, stack=stack).values("month")
        if stack_value is not None:
            rows = rows.annotate(stack=stack_value).values("month", "stack")
        sums = rows.annotate(
            total_cases=Sum("cases"),
            **{f"total_{c}": Sum(c) for c in QUANTITY_COLUMNS.values()},
        ).order_by()
        for row in sums:
            totals = result[(row["month"], row.get("stack", ALL))]
            totals["cases"] += row["total_cases"]
            for column in QUANTITY_COLUMNS.values():
                totals[column] += row[f"total_{column}"] or 0
        return dict(result)

    group = {"area": "commodity_type__area", "type": "commodity_type"}.get(stack)
    lines = _lines(user, filters).annotate(month=TruncMonth("case__seizure_date"))
    keys = ["month", group] if group else ["month"]
    counts = lines.values(*keys).annotate(n=Count("case", distinct=True)).order_by()
    for row in counts:
        result[(row["month"], row[group] if group else ALL)]["cases"] = row["n"]
    quantities = (
        lines.values(*keys, "unit__dimension").annotate(total=Sum("normalised_quantity")).order_by()
    )
    for row in quantities:
        column = QUANTITY_COLUMNS[row["unit__dimension"]]
        result[(row["month"], row[group] if group else ALL)][column] += row["total"] or 0
    return dict(result)


def top_countries(
    *, user: User, filters: dict, role: str = "reporting", limit: int = 10, use_summary=None
) -> list[tuple[str, int]]:
    """The countries with the most validated cases, as reporting country or in
    one role on the route (departure, transit, destination)."""
    table = "case" if role == "reporting" else "route"
    if use_summary is None:
        use_summary = summary_allowed(filters, table=table)
    if use_summary:
        model = CaseStatMonth if role == "reporting" else RouteStatMonth
        rows = _summary_rows(model, filters)
        if role != "reporting":
            rows = rows.filter(kind=role)
        counts = rows.values("country").annotate(n=Sum("cases"))
    elif role == "reporting":
        counts = _validated(user, filters).values("country").annotate(n=Count("pk"))
    else:
        counts = (
            RouteLeg.objects.filter(case__in=_validated(user, filters), kind=role)
            .values("country")
            .annotate(n=Count("case", distinct=True))
        )
    counts = counts.order_by("-n", "country")[:limit]
    return [(str(row["country"]), row["n"]) for row in counts]


def top_routes(*, user: User, filters: dict, limit: int = 10) -> list[tuple[str, str, int]]:
    """The departure → destination pairs with the most validated cases (counted directly)."""
    destinations = RouteLeg.objects.filter(case=OuterRef("case"), kind="destination")
    pairs = (
        RouteLeg.objects.filter(case__in=_validated(user, filters), kind="departure")
        .annotate(destination=Subquery(destinations.order_by("position").values("country")[:1]))
        .exclude(destination=None)
        .values("country", "destination")
        .annotate(n=Count("case", distinct=True))
        .order_by("-n", "country", "destination")[:limit]
    )
    return [(str(row["country"]), str(row["destination"]), row["n"]) for row in pairs]


METHOD_FIELDS = {
    "transport_mode": "case__transport_mode",
    "detection_method": "case__detection_method",
    "concealment": "case__concealment_methods",
}


def methods_by_area(*, user: User, filters: dict, method: str) -> list[tuple[int, int, int]]:
    """(method id, commodity area id, cases) for transport, detection or concealment
    (counted directly): a case counts once per area among its lines."""
    column = METHOD_FIELDS[method]
    rows = (
        _lines(user, filters)
        .exclude(**{column: None})
        .values(column, "commodity_type__area")
        .annotate(n=Count("case", distinct=True))
        .order_by("-n")
    )
    return [(row[column], row["commodity_type__area"], row["n"]) for row in rows]
