"""Upkeep of the summary tables.

A validated case contributes to a few rows: one per level (all commodities,
each of its areas, each of its commodity types) in ``CaseStatMonth`` and, for
each country of its route, in ``RouteStatMonth``. Only validated cases count,
and a validated case cannot be edited, so it is enough to add its
contribution when it is validated and to take it back when it leaves that
status (reopened, or deleted).
"""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction

from ..models import Case, CaseStatMonth, CaseStatus, Dimension, RouteStatMonth
from . import sql

ALL = 0
DIMENSION_COLUMN = {
    Dimension.MASS: 0,
    Dimension.VOLUME: 1,
    Dimension.COUNT: 2,
    Dimension.HEADS: 3,
}


def _levels(lines) -> dict[tuple[int, int], list[Decimal]]:
    """(area, commodity type) → quantities per dimension, at the three levels."""
    levels: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for line in lines:
        area, commodity_type = line.commodity_type.area_id, line.commodity_type_id
        column = DIMENSION_COLUMN[line.unit.dimension]
        for level in ((ALL, ALL), (area, ALL), (area, commodity_type)):
            levels[level][column] += line.normalised_quantity or 0
    return levels


def case_contribution(case: Case) -> tuple[list[tuple], list[tuple]]:
    """The rows a validated case adds to the case and route tables."""
    month = case.seizure_date.replace(day=1)
    country = str(case.country)
    levels = _levels(case.lines.all())
    case_rows = [
        (month, country, area, commodity_type, 1, *quantities)
        for (area, commodity_type), quantities in levels.items()
    ]
    # A country twice on one route in the same role (two transits) counts once.
    legs = {(leg.kind, str(leg.country)) for leg in case.route_legs.all()}
    route_rows = [
        (month, kind, leg_country, area, commodity_type, 1)
        for kind, leg_country in sorted(legs)
        for area, commodity_type in levels
    ]
    return case_rows, route_rows


def _negated(rows: list[tuple], measures: int) -> list[tuple]:
    return [(*row[:-measures], *(-value for value in row[-measures:])) for row in rows]


PREFETCH = ("lines__commodity_type", "lines__unit", "route_legs")


def _loaded(case: Case) -> Case:
    return Case.objects.prefetch_related(*PREFETCH).get(pk=case.pk)


def statistics_case_add(*, case: Case) -> None:
    case_rows, route_rows = case_contribution(_loaded(case))
    sql.add("case", case_rows)
    sql.add("route", route_rows)


def statistics_case_remove(*, case: Case) -> None:
    case_rows, route_rows = case_contribution(_loaded(case))
    sql.add("case", _negated(case_rows, len(sql.CASE_MEASURES)))
    sql.add("route", _negated(route_rows, len(sql.ROUTE_MEASURES)))


def statistics_case_status_changed(*, case: Case, previous: str) -> None:
    """Call after a case's status changed from ``previous`` to ``case.status``."""
    if previous == case.status:
        return
    if case.status == CaseStatus.VALIDATED:
        statistics_case_add(case=case)
    elif previous == CaseStatus.VALIDATED:
        statistics_case_remove(case=case)


@transaction.atomic
def statistics_rebuild(*, batch_size: int = 2000) -> int:
    """Recompute both tables from the validated cases; returns how many were counted."""
    CaseStatMonth.objects.all().delete()
    RouteStatMonth.objects.all().delete()
    case_totals: dict[tuple, list] = defaultdict(lambda: [0, *[Decimal(0)] * 4])
    route_totals: dict[tuple, int] = defaultdict(int)
    counted = 0
    cases = (
        Case.objects.filter(status=CaseStatus.VALIDATED)
        .only("pk", "seizure_date", "country")
        .prefetch_related(*PREFETCH)
        .order_by("pk")
    )
    for case in cases.iterator(chunk_size=batch_size):
        counted += 1
        case_rows, route_rows = case_contribution(case)
        for *key, cases_count, mass, volume, count, heads in case_rows:
            totals = case_totals[tuple(key)]
            for index, value in enumerate((cases_count, mass, volume, count, heads)):
                totals[index] += value
        for *key, cases_count in route_rows:
            route_totals[tuple(key)] += cases_count
    # Every total counts at least one case: nothing to prune after a rebuild.
    sql.add("case", [(*key, *totals) for key, totals in case_totals.items()], prune=False)
    sql.add("route", [(*key, total) for key, total in route_totals.items()], prune=False)
    return counted
