"""Direct counts: the statistics of filters the summary tables cannot answer
(a transport mode, free text, a quantity range, part of a month …).

The matching validated cases are found once, with the search's own SQL
(``case_search``), and copied into a temporary table with the few columns the
panels group by (month, country of seizure, transport mode, detection
method). Their commodity lines and route legs are copied beside them the first
time a panel needs them. Each panel then groups one of these small tables
instead of running the search again and joining the whole case table.

Within ``shared_matching()`` (one page: every panel, the map, both periods of
the trends) the copies are made once per set of filters and dropped at its
end; outside it, each count makes and drops its own. The copies live inside
one transaction, so on one connection (PgBouncer in transaction mode too), and
are temporary tables, each session's own: nothing is written to a shared table.
"""

import datetime
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import DateField
from django.db.models.functions import Cast, TruncMonth

from accounts.models import User

from ..models import CaseStatus, StatDimension
from ..rawsql import queryset_sql
from ..search.query import case_search
from .summary import LEG_KINDS, QUANTITY_COLUMNS, route_value

# The dimensions that are a column of the case, and so of its copy.
CASE_COLUMNS = {
    StatDimension.ADMINISTRATION: "administration_id",
    StatDimension.TRANSPORT_MODE: "transport_mode_id",
    StatDimension.DETECTION_METHOD: "detection_method_id",
}

# The copies. {cases}, {lines} and {legs} are the names of this set's temporary
# tables; every other name is the models' own table or column.
_CASES = (
    "SELECT id, month, country, administration_id, transport_mode_id, detection_method_id"
    " FROM ({search}) AS cases"
)
_LINES = """
SELECT m.id AS case_id, m.month, m.transport_mode_id, m.detection_method_id,
       t.area_id AS area, l.commodity_type_id AS commodity_type,
       u.dimension, l.normalised_quantity AS quantity, l.quantity_not_recorded AS not_recorded
FROM {cases} m
JOIN seizures_commodityline l ON l.case_id = m.id
JOIN seizures_commoditytype t ON t.id = l.commodity_type_id
JOIN seizures_unit u ON u.id = l.unit_id
WHERE {where}
"""
_LEGS = """
SELECT g.case_id, g.kind, g.country
FROM {cases} m JOIN seizures_routeleg g ON g.case_id = m.id
"""
# The counts, in no order (the callers sort and cut).
_BY_MONTH = """
SELECT month, {series} AS series, COUNT(DISTINCT case_id),
       COUNT(DISTINCT CASE WHEN not_recorded THEN case_id END), {sums}
FROM {lines} GROUP BY month, series
"""
_SUM = "SUM(CASE WHEN dimension = %s THEN quantity ELSE 0 END)"  # one per dimension
# Every role at once: the page asks for three of them, and the map for one again.
_LEG_COUNTRIES = "SELECT kind, country, COUNT(DISTINCT case_id) FROM {legs} GROUP BY kind, country"
# A country twice in one role of a case (two departures from EC) counts once.
_ROUTES = """
SELECT d.country, a.country, COUNT(*)
FROM (SELECT DISTINCT case_id, country FROM {legs} WHERE kind = 'departure') d
JOIN (SELECT DISTINCT case_id, country FROM {legs} WHERE kind = 'destination') a
    ON a.case_id = d.case_id
GROUP BY d.country, a.country
"""
_CONCEALMENTS = """
SELECT c.concealmentmethod_id, COUNT(DISTINCT m.id)
FROM {cases} m JOIN seizures_case_concealment_methods c ON c.case_id = m.id
GROUP BY c.concealmentmethod_id
"""
_CASE_COLUMN = "SELECT {column}, COUNT(*) FROM {cases} GROUP BY {column}"
_REPORTING = "SELECT country, COUNT(*) FROM {cases} GROUP BY country"
_METHOD_AREAS = (
    "SELECT {column}, area, COUNT(DISTINCT case_id) FROM {lines} GROUP BY {column}, area"
)
_CONCEALMENT_AREAS = """
SELECT c.concealmentmethod_id, l.area, COUNT(DISTINCT l.case_id)
FROM {lines} l JOIN seizures_case_concealment_methods c ON c.case_id = l.case_id
GROUP BY c.concealmentmethod_id, l.area
"""

_names = itertools.count(1)
_shared: ContextVar[dict | None] = ContextVar("statistics_matching", default=None)


def _month(value) -> datetime.date:
    """SQLite hands a date back as text."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value[:10])


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def _filters_key(user: User, filters: dict) -> tuple:
    """The filters as a hashable value: vocabulary entries by id, choices sorted."""

    def simple(value):
        if hasattr(value, "values_list"):  # a queryset of vocabulary entries
            return tuple(sorted(value.values_list("pk", flat=True)))
        if isinstance(value, list | tuple | set):
            return tuple(sorted(str(simple(item)) for item in value))
        return getattr(value, "pk", value)

    return (user.pk, *sorted((name, simple(value)) for name, value in filters.items()))


class MatchingCases:
    """The validated cases that match one set of search filters, copied into
    temporary tables: the cases at once, their lines and legs when first asked."""

    def __init__(self, *, user: User, filters: dict):
        self.filters = filters
        self.name = f"statistics_matching_{next(_names)}"
        self.created: list[str] = []
        self.results: dict[tuple, list[tuple]] = {}
        cases = case_search(user=user, filters={**filters, "status": CaseStatus.VALIDATED})
        search = queryset_sql(
            cases.order_by().values(
                "id",
                "country",
                "administration_id",
                "transport_mode_id",
                "detection_method_id",
                # A date, not PostgreSQL's timestamp of its first instant.
                month=Cast(TruncMonth("seizure_date"), DateField()),
            )
        )
        self.empty = search is None  # known to match nothing: no table, every count empty
        if search is not None:
            self._copy("cases", _CASES.format(search=search[0]), search[1])

    def _name(self, part: str) -> str:
        return connection.ops.quote_name(f"{self.name}_{part}")

    def _copy(self, part: str, select: str, params=()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {self._name(part)} AS {select}", params)
            if part == "cases" and connection.vendor == "postgresql":
                # A temporary table has no statistics until analysed (autovacuum
                # never sees it), and the copies of the lines and legs join it.
                cursor.execute(f"ANALYZE {self._name(part)}")
        self.created.append(part)

    def _lines(self) -> None:
        conditions, params = ["TRUE"], []
        if self.filters.get("area"):
            conditions.append("t.area_id = %s")
            params.append(self.filters["area"].pk)
        if self.filters.get("commodity_type"):
            chosen = [entry.pk for entry in self.filters["commodity_type"]]
            conditions.append(f"l.commodity_type_id IN ({', '.join(['%s'] * len(chosen))})")
            params += chosen
        where = " AND ".join(conditions)
        self._copy("lines", _LINES.format(cases=self._name("cases"), where=where), params)

    def _legs(self) -> None:
        self._copy("legs", _LEGS.format(cases=self._name("cases")))

    def rows(self, statement: str, params=()) -> list[tuple]:
        """The rows of a statement over this set's tables, named in it as
        {cases}, {lines} (the lines the commodity filters select) and {legs}."""
        if self.empty:
            return []
        for part, copy in (("lines", self._lines), ("legs", self._legs)):
            if f"{{{part}}}" in statement and part not in self.created:
                copy()
        key = (statement, tuple(params))
        if key not in self.results:  # the page asks some twice (a panel and the map)
            names = {part: self._name(part) for part in ("cases", "lines", "legs")}
            with connection.cursor() as cursor:
                cursor.execute(statement.format(**names), params)
                self.results[key] = cursor.fetchall()
        return self.results[key]

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for part in self.created:
                cursor.execute(f"DROP TABLE {self._name(part)}")
        self.created = []


def _roomier_sorts() -> None:
    """PostgreSQL: more memory for this transaction's sorts and hashes, so that
    grouping a few hundred thousand rows stays in memory (4 MB by default)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")


@contextmanager
def shared_matching() -> Iterator[None]:
    """Direct counts inside this block share one copy of the matching cases per
    set of filters (a page's panels and map, the trends' two periods)."""
    if _shared.get() is not None:  # already inside one
        yield
        return
    with transaction.atomic():
        _roomier_sorts()
        copies: dict = {}
        token = _shared.set(copies)
        try:
            yield
        finally:
            _shared.reset(token)
        # Not reached on an error: the rollback drops the tables with the rest.
        for copy in copies.values():
            copy.drop()


@contextmanager
def matching_cases(*, user: User, filters: dict) -> Iterator[MatchingCases]:
    """The copy of these filters' cases: the shared one, or one made for this count."""
    copies = _shared.get()
    if copies is not None:
        key = _filters_key(user, filters)
        if key not in copies:
            copies[key] = MatchingCases(user=user, filters=filters)
        yield copies[key]
        return
    with transaction.atomic():
        _roomier_sorts()
        copy = MatchingCases(user=user, filters=filters)
        yield copy
        copy.drop()


# --- The counts, each as its caller in queries.py returns it, in no order ------------


def cases_by_month(cases: MatchingCases, *, stack: str | None) -> dict:
    """(month, series) → {"cases": n, "unquantified": n, "mass_kg": …, "heads": …};
    a line whose quantity was not recorded is in no sum (its quantity is NULL)."""
    series = {"area": "area", "type": "commodity_type"}.get(stack, "0")
    return {
        (_month(month), int(key)): {
            "cases": n,
            "unquantified": unquantified,
            **{
                column: _decimal(total)
                for column, total in zip(QUANTITY_COLUMNS.values(), totals, strict=True)
            },
        }
        for month, key, n, unquantified, *totals in cases.rows(
            _BY_MONTH.replace("{series}", series).replace(
                "{sums}", ", ".join([_SUM] * len(QUANTITY_COLUMNS))
            ),
            list(QUANTITY_COLUMNS),
        )
    }


def dimension_counts(cases: MatchingCases, *, kind: str) -> list[tuple[str, int]]:
    """(value, cases) of one dimension (``StatDimension``); a route is stored as
    ``route_value`` writes it."""
    if kind in LEG_KINDS:
        rows = [(country, n) for role, country, n in cases.rows(_LEG_COUNTRIES) if role == kind]
    elif kind == StatDimension.ROUTE:
        rows = [(route_value(*pair), n) for *pair, n in cases.rows(_ROUTES)]
    elif kind == StatDimension.CONCEALMENT:
        rows = cases.rows(_CONCEALMENTS)
    else:
        rows = cases.rows(_CASE_COLUMN.replace("{column}", CASE_COLUMNS[kind]))
    return [(str(value), n) for value, n in rows]


def reporting_countries(cases: MatchingCases) -> list[tuple[str, int]]:
    return [(str(country), n) for country, n in cases.rows(_REPORTING)]


def methods_by_area(cases: MatchingCases, *, method: str) -> list[tuple[int, int, int]]:
    """(method id, commodity area id, cases): a case counts once per area among
    its selected lines."""
    if method == StatDimension.CONCEALMENT:
        statement = _CONCEALMENT_AREAS
    else:
        statement = _METHOD_AREAS.replace("{column}", CASE_COLUMNS[method])
    return [(int(value), int(area), n) for value, area, n in cases.rows(statement)]
