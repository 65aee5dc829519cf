"""Direct counts: the statistics of filters the summary tables cannot answer
(a transport mode, free text, a quantity range, part of a month …).

The matching validated cases are found once, with the search's own SQL
(``case_search``), and copied into a temporary table with what the panels
group by.

On PostgreSQL the copy is the matching cases' rows of ``CaseFacts`` (one narrow
row per validated case, kept by the summaries' hooks: facts.py), found by the
search's ids alone: their route countries, concealment methods, commodity areas
and lines are arrays of that row, which the panels unnest. No count joins the
line, leg or concealment tables, and the arrays of countries, methods and areas
are distinct per case, so most counts are a plain COUNT(*); the over-time panel
without a commodity filter reads the case's own sums (per case, per area).

On SQLite (no arrays; ``CaseFacts`` stays empty) the copy takes the case
table's columns (month, country of seizure, transport mode, detection
method), and the commodity lines and route legs are copied beside them, by a
join, the first time a panel needs them. Both paths give the same numbers
(tests/seizures/statistics/test_direct_counts.py runs each).

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

from ..models import CaseFacts, CaseStatus, StatDimension
from ..rawsql import queryset_sql
from ..search.query import case_search
from .facts import facts_kept
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

# PostgreSQL: the copy is of the matching cases' rows of ``CaseFacts`` (one per
# case, its lines and route as arrays), and {lines} is those arrays unnested, so
# nothing joins the line, leg or concealment tables. The arrays of countries,
# methods and areas are distinct per case: a plain COUNT(*) counts cases. Arrays
# are unnested in the select list (parallel arrays side by side), which costs
# about half what a function in FROM does per row.
_FACTS = (
    "SELECT f.case_id AS id, f.month, f.country, f.administration_id, f.transport_mode_id,"
    " f.detection_method_id, f.departures, f.transits, f.destinations, f.concealments,"
    " f.not_recorded, f.mass_kg, f.volume_l, f.count_pieces, f.heads, f.areas,"
    " f.line_areas, f.line_types, f.line_dimensions, f.line_quantities,"
    " f.line_not_recorded FROM {facts} f WHERE f.case_id IN (SELECT id FROM ({search}) AS s)"
)
_FACTS_LINES = """(SELECT * FROM (
    SELECT id AS case_id, month, transport_mode_id, detection_method_id,
           unnest(line_areas) AS area, unnest(line_types) AS commodity_type,
           unnest(line_dimensions) AS dimension, unnest(line_quantities) AS quantity,
           unnest(line_not_recorded) AS not_recorded
    FROM {cases}) AS l
WHERE {where}) AS lines"""
_FACTS_LEG_COUNTRIES = " UNION ALL ".join(
    f"SELECT '{kind}', x, COUNT(*) FROM (SELECT unnest({column}) AS x FROM {{cases}}) AS u"  # noqa: S608
    " GROUP BY x"
    for kind, column in (
        ("departure", "departures"),
        ("transit", "transits"),
        ("destination", "destinations"),
    )
)
_FACTS_ROUTES = """
SELECT d, a, COUNT(*) FROM (
    SELECT d, unnest(destinations) AS a
    FROM (SELECT unnest(departures) AS d, destinations FROM {cases}) AS u
) AS pairs GROUP BY d, a
"""
_FACTS_CONCEALMENTS = (
    "SELECT x, COUNT(*) FROM (SELECT unnest(concealments) AS x FROM {cases}) AS u GROUP BY x"
)
# Without a commodity filter every line counts, so a case's areas are its ``areas``.
_FACTS_METHOD_AREAS = (
    "SELECT {column}, a, COUNT(*) FROM (SELECT {column}, unnest(areas) AS a FROM {cases}) AS u"
    " GROUP BY {column}, a"
)
_FACTS_CONCEALMENT_AREAS = """
SELECT x, a, COUNT(*) FROM (
    SELECT x, unnest(areas) AS a FROM (SELECT unnest(concealments) AS x, areas FROM {cases}) AS u
) AS pairs GROUP BY x, a
"""
_FACTS_CONCEALMENT_LINE_AREAS = """
SELECT x, area, COUNT(*) FROM (
    SELECT DISTINCT x, lines.case_id, lines.area
    FROM {lines} JOIN (SELECT id, unnest(concealments) AS x FROM {cases}) AS c
        ON c.id = lines.case_id
) AS pairs GROUP BY x, area
"""
# Without a commodity filter, the over-time panel from each case's sums: one
# series (a case with no line is in no series), or one per area: a case of one
# area from its sums; a case of several counts once in each of its ``areas``,
# and its lines give the quantities (and which areas have an unquantified line).
_FACTS_BY_MONTH = """
SELECT month, 0, COUNT(*), COUNT(*) FILTER (WHERE not_recorded),
       SUM(mass_kg), SUM(volume_l), SUM(count_pieces), SUM(heads)
FROM {cases} WHERE cardinality(areas) > 0 GROUP BY month
"""
_FACTS_BY_MONTH_AREA = """
SELECT month, area, SUM(n), SUM(unquantified), SUM(mass_kg), SUM(volume_l),
       SUM(count_pieces), SUM(heads)
FROM (
    SELECT month, areas[1] AS area, COUNT(*) AS n,
           COUNT(*) FILTER (WHERE not_recorded) AS unquantified,
           SUM(mass_kg) AS mass_kg, SUM(volume_l) AS volume_l,
           SUM(count_pieces) AS count_pieces, SUM(heads) AS heads
    FROM {cases} WHERE cardinality(areas) = 1 GROUP BY month, areas[1]
    UNION ALL
    SELECT month, area, COUNT(*), 0, 0, 0, 0, 0
    FROM (SELECT month, unnest(areas) AS area FROM {cases} WHERE cardinality(areas) > 1) AS several
    GROUP BY month, area
    UNION ALL
    SELECT month, area, 0, COUNT(DISTINCT CASE WHEN not_recorded THEN case_id END),
           SUM(CASE WHEN dimension = 'mass' THEN quantity ELSE 0 END),
           SUM(CASE WHEN dimension = 'volume' THEN quantity ELSE 0 END),
           SUM(CASE WHEN dimension = 'count' THEN quantity ELSE 0 END),
           SUM(CASE WHEN dimension = 'heads' THEN quantity ELSE 0 END)
    FROM (
        SELECT id AS case_id, month, unnest(line_areas) AS area,
               unnest(line_dimensions) AS dimension, unnest(line_quantities) AS quantity,
               unnest(line_not_recorded) AS not_recorded
        FROM {cases} WHERE cardinality(areas) > 1
    ) AS lines GROUP BY month, area
) AS parts GROUP BY month, area
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
    temporary tables: the cases at once (on PostgreSQL their ``CaseFacts`` rows,
    ``fast``), and on the portable path their lines and legs when first asked."""

    def __init__(self, *, user: User, filters: dict):
        self.filters = filters
        self.name = f"statistics_matching_{next(_names)}"
        self.created: list[str] = []
        self.results: dict[tuple, list[tuple]] = {}
        cases = case_search(user=user, filters={**filters, "status": CaseStatus.VALIDATED})
        # The fast path needs the search's ids only.
        self.fast = facts_kept()
        if self.fast:
            search = queryset_sql(cases.order_by().values("id"))
            self.empty = search is None
            if search is not None:
                facts = connection.ops.quote_name(CaseFacts._meta.db_table)
                select = _FACTS.format(facts=facts, search=search[0])
                self._copy("cases", select, search[1])
            return
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
            if part == "cases" and connection.vendor == "postgresql" and not self.fast:
                # A temporary table has no statistics until analysed (autovacuum
                # never sees it), and the copies of the lines and legs join it.
                cursor.execute(f"ANALYZE {self._name(part)}")
        self.created.append(part)

    @property
    def commodity_filtered(self) -> bool:
        """Whether the filters select some lines only (an area, commodity types)."""
        return bool(self.filters.get("area") or self.filters.get("commodity_type"))

    def _line_conditions(self, area: str, commodity_type: str) -> tuple[str, list]:
        conditions, params = ["TRUE"], []
        if self.filters.get("area"):
            conditions.append(f"{area} = %s")
            params.append(self.filters["area"].pk)
        if self.filters.get("commodity_type"):
            chosen = [entry.pk for entry in self.filters["commodity_type"]]
            conditions.append(f"{commodity_type} IN ({', '.join(['%s'] * len(chosen))})")
            params += chosen
        return " AND ".join(conditions), params

    def _lines(self) -> None:
        where, params = self._line_conditions("t.area_id", "l.commodity_type_id")
        self._copy("lines", _LINES.format(cases=self._name("cases"), where=where), params)

    def _legs(self) -> None:
        self._copy("legs", _LEGS.format(cases=self._name("cases")))

    def rows(self, statement: str, params=()) -> list[tuple]:
        """The rows of a statement over this set's tables, named in it as
        {cases}, {lines} (the lines the commodity filters select) and {legs}
        (the portable path's only; the fast path's statements unnest {cases})."""
        if self.empty:
            return []
        key = (statement, tuple(params))
        if key in self.results:  # the page asks some twice (a panel and the map)
            return self.results[key]
        if self.fast:
            # {lines} is the arrays unnested, once in a statement: its conditions'
            # parameters go between the placeholders written before it and after it.
            if "{lines}" in statement:
                where, line_params = self._line_conditions("l.area", "l.commodity_type")
                lines = _FACTS_LINES.format(cases=self._name("cases"), where=where)
                before = statement.split("{lines}")[0].count("%s")
                params = [*params[:before], *line_params, *params[before:]]
                statement = statement.replace("{lines}", lines)
            names = {"cases": self._name("cases")}
        else:
            for part, copy in (("lines", self._lines), ("legs", self._legs)):
                if f"{{{part}}}" in statement and part not in self.created:
                    copy()
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
    statement = _BY_MONTH.replace("{series}", series).replace(
        "{sums}", ", ".join([_SUM] * len(QUANTITY_COLUMNS))
    )
    params = list(QUANTITY_COLUMNS)
    if cases.fast and not cases.commodity_filtered and stack in (None, "area"):
        statement, params = (_FACTS_BY_MONTH_AREA if stack else _FACTS_BY_MONTH), []
    return {
        (_month(month), int(key)): {
            "cases": n,
            "unquantified": unquantified,
            **{
                column: _decimal(total)
                for column, total in zip(QUANTITY_COLUMNS.values(), totals, strict=True)
            },
        }
        for month, key, n, unquantified, *totals in cases.rows(statement, params)
    }


def dimension_counts(cases: MatchingCases, *, kind: str) -> list[tuple[str, int]]:
    """(value, cases) of one dimension (``StatDimension``); a route is stored as
    ``route_value`` writes it."""
    if kind in LEG_KINDS:
        statement = _FACTS_LEG_COUNTRIES if cases.fast else _LEG_COUNTRIES
        rows = [(country, n) for role, country, n in cases.rows(statement) if role == kind]
    elif kind == StatDimension.ROUTE:
        statement = _FACTS_ROUTES if cases.fast else _ROUTES
        rows = [(route_value(*pair), n) for *pair, n in cases.rows(statement)]
    elif kind == StatDimension.CONCEALMENT:
        rows = cases.rows(_FACTS_CONCEALMENTS if cases.fast else _CONCEALMENTS)
    else:
        rows = cases.rows(_CASE_COLUMN.replace("{column}", CASE_COLUMNS[kind]))
    return [(str(value), n) for value, n in rows]


def reporting_countries(cases: MatchingCases) -> list[tuple[str, int]]:
    return [(str(country), n) for country, n in cases.rows(_REPORTING)]


def methods_by_area(cases: MatchingCases, *, method: str) -> list[tuple[int, int, int]]:
    """(method id, commodity area id, cases): a case counts once per area among
    its selected lines."""
    every_line = cases.fast and not cases.commodity_filtered
    if method == StatDimension.CONCEALMENT:
        if every_line:
            statement = _FACTS_CONCEALMENT_AREAS
        else:
            statement = _FACTS_CONCEALMENT_LINE_AREAS if cases.fast else _CONCEALMENT_AREAS
    else:
        statement = (_FACTS_METHOD_AREAS if every_line else _METHOD_AREAS).replace(
            "{column}", CASE_COLUMNS[method]
        )
    return [(int(value), int(area), n) for value, area, n in cases.rows(statement)]
