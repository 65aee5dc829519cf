"""Counts per commodity type, country, transport mode, detection method and year
for the current result, each one a link that narrows the search.

On PostgreSQL the five facets come from one pass over the result: the cases
are grouped by each facet in turn (GROUPING SETS), their commodity types
unnested from ``Case.commodity_types`` — a case counts once per type, and once
in every other facet. Elsewhere, one grouped query per facet.

Counting a result of hundreds of thousands of cases takes seconds whatever the
plan, so a large result (one whose count is already "more than 10,000") is
counted on a random sample of the table's pages instead, the counts scaled up
and shown as estimates. The sample is the same from one page view to the next,
and its counts are kept in the cache for a few minutes (keyed by the exact
statement), so that the broad searches everyone opens first do not count the
sample again on every page: an estimate a few minutes old is still an estimate.

The search page asks ``counted_facets`` for the facets and the count together:
a small result's exact facets give its count too, so that its cases are read
once, not once to count them and again to count their facets.
"""

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear

from cen_suite.cache import CACHE_ERRORS

from ..models import CommodityLine
from ..rawsql import queryset_sql
from . import pagination
from .choices import search_choices

logger = logging.getLogger(__name__)

FACET_SIZE = 10
# About this many cases are read to estimate the facets of a large result.
SAMPLE_ROWS = 30_000
SAMPLE_SEED = 7  # the same sample from one page view to the next
ESTIMATES_TIMEOUT = 600  # seconds a sample's counts are reused
_CASE_TABLE = re.compile(r'FROM "seizures_case"(?![.\w])')
FACETS = ("commodity_type", "country", "transport_mode", "detection_method", "year")

# One pass: the result's columns, each case's commodity types beside it.
# GROUPING() tells which facet a row of counts belongs to (0 for its own column).
_POSTGRES_FACETS = """
SELECT
    GROUPING(country) AS by_country, GROUPING(transport_mode_id) AS by_transport,
    GROUPING(detection_method_id) AS by_detection, GROUPING(year) AS by_year,
    country, transport_mode_id, detection_method_id, year, commodity_type,
    COUNT(*) FILTER (WHERE position IS NULL OR position = 1) AS cases,
    COUNT(commodity_type) AS typed
FROM (
    SELECT result.country, result.transport_mode_id, result.detection_method_id,
           result.year, types.commodity_type::bigint AS commodity_type, types.position
    FROM ({result}) AS result
    LEFT JOIN LATERAL jsonb_array_elements_text(result.commodity_types)
        WITH ORDINALITY AS types(commodity_type, position) ON TRUE
) AS rows
GROUP BY GROUPING SETS (
    (country), (transport_mode_id), (detection_method_id), (year), (commodity_type)
)
"""


def _sample() -> tuple[float, float] | None:
    """The share (percent) of the case table's pages that holds about
    SAMPLE_ROWS cases, and the factor from the sample's rows to the table's;
    None when the table is small enough to count in full."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'seizures_case'::regclass")
        (rows,) = cursor.fetchone()
    if rows < 2 * SAMPLE_ROWS:
        return None
    percent = round(100 * SAMPLE_ROWS / rows, 3)
    # Pages hold more or fewer rows: scale by the rows actually sampled.
    sampled = _reused(
        f"SELECT count(*) FROM seizures_case {_tablesample(percent)}",  # noqa: S608
        [],
        lambda cursor: cursor.fetchone()[0],
    )
    return percent, rows / max(sampled, 1)


def _reused(sql: str, params: list, read):
    """``read(cursor)`` after running ``sql``, or what it gave for the same statement
    within ESTIMATES_TIMEOUT. Only for counts of the sample: they are estimates."""
    key = "seizures:facet-sample:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    try:
        found = cache.get(key)
    except CACHE_ERRORS as error:
        logger.warning("Facet estimates counted again, the cache is unreachable: %s", error)
        found = None
    if found is not None:
        return found
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = read(cursor)
    try:
        cache.set(key, found, timeout=ESTIMATES_TIMEOUT)
    except CACHE_ERRORS as error:
        logger.warning("Facet estimates not kept, the cache is unreachable: %s", error)
    return found


def _tablesample(percent: float) -> str:
    return f"TABLESAMPLE SYSTEM ({float(percent)}) REPEATABLE ({SAMPLE_SEED})"


def _postgres_counts(
    base: QuerySet, *, sample: float | None = None, limit: int | None = None
) -> dict[str, dict]:
    """The five facets' counts in one statement; with ``limit``, of that many
    cases of the result at most (any of them: the caller knows the result holds
    fewer when the years' counts add up to less)."""
    result = base.annotate(year=ExtractYear("seizure_date")).values(
        "country", "transport_mode_id", "detection_method_id", "year", "commodity_types"
    )
    counts = {facet: {} for facet in FACETS}
    select = queryset_sql(result)
    if select is None:  # a result known to be empty: no case to count
        return counts
    sql, params = select
    if limit is not None:
        sql = f"{sql} LIMIT {int(limit)}"
    if sample:
        # The outer case table only (not "seizures_case"."column"), a constant percentage.
        sql = _CASE_TABLE.sub(f'FROM "seizures_case" {_tablesample(sample)}', sql, 1)
        rows = _reused(_POSTGRES_FACETS.format(result=sql), params, lambda c: c.fetchall())
    else:
        with connection.cursor() as cursor:
            cursor.execute(_POSTGRES_FACETS.format(result=sql), params)
            rows = cursor.fetchall()
    for row in rows:
        by_country, by_transport, by_detection, by_year, *keys, cases, typed = row
        country, transport, detection, year, commodity_type = keys
        if not by_country:
            counts["country"][country] = cases
        elif not by_transport:
            counts["transport_mode"][transport] = cases
        elif not by_detection:
            counts["detection_method"][detection] = cases
        elif not by_year:
            counts["year"][int(year)] = cases
        elif commodity_type is not None:
            counts["commodity_type"][commodity_type] = typed
    return counts


def _portable_counts(base: QuerySet) -> dict[str, dict]:
    def grouped(queryset, field, count="pk", distinct=False):
        rows = queryset.values(field).annotate(n=Count(count, distinct=distinct))
        return {row[field]: row["n"] for row in rows.order_by()}

    return {
        "commodity_type": grouped(
            CommodityLine.objects.filter(case__in=base.values("pk")),
            "commodity_type",
            count="case",
            distinct=True,
        ),
        "country": grouped(base, "country"),
        "transport_mode": grouped(base, "transport_mode"),
        "detection_method": grouped(base, "detection_method"),
        "year": grouped(base.annotate(year=ExtractYear("seizure_date")), "year"),
    }


def _top(
    counts: dict, labels: dict[str, str], size: int, by_key=False
) -> list[tuple[str, str, int]]:
    """The ``size`` largest counts (for years, the latest years), labelled."""
    if by_key:
        chosen = sorted(counts.items(), key=lambda item: item[0], reverse=True)[:size]
    else:
        chosen = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[:size]
    return [(str(key), labels.get(str(key), str(key)), n) for key, n in chosen if key is not None]


def _scaled(counts: dict[str, dict], factor: float) -> dict[str, dict]:
    """Sample counts → estimates for the whole result, to two significant figures."""

    def estimate(n: int) -> int:
        return int(float(f"{n * factor:.2g}"))

    return {
        name: {key: estimate(n) for key, n in values.items()} for name, values in counts.items()
    }


@dataclass
class Facets:
    """Per facet, (value, label, count) of its largest counts; ``estimated``
    when the counts come from a sample of a large result."""

    counts: dict = field(default_factory=dict)
    estimated: bool = False

    def __getitem__(self, name: str) -> list[tuple[str, str, int]]:
        return self.counts[name]


def _labelled(counts: dict[str, dict], size: int, *, estimated: bool) -> Facets:
    # The labels in the user's language, as the search form lists them (cached).
    labels = {name: dict(options) for name, options in search_choices().items()}
    return Facets(
        counts={
            name: _top(counts[name], labels.get(name, {}), size, by_key=name == "year")
            for name in FACETS
        },
        estimated=estimated,
    )


def case_facets(cases: QuerySet, size: int = FACET_SIZE, *, large: bool = False) -> Facets:
    """``large``: the result is known to hold more cases than can be counted
    quickly (see ``bounded_count``); its facets are then estimated."""
    base = cases.order_by()
    sample = _sample() if large and connection.vendor == "postgresql" else None
    if sample:
        percent, factor = sample
        counts = _scaled(_postgres_counts(base, sample=percent), factor)
    elif connection.vendor == "postgresql":
        counts = _postgres_counts(base)
    else:
        counts = _portable_counts(base)
    return _labelled(counts, size, estimated=bool(sample))


def _planned_rows(base: QuerySet) -> float:
    """How many cases the planner expects the result to hold (PostgreSQL)."""
    select = queryset_sql(base.values("pk"))
    if select is None:
        return 0
    sql, params = select
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


def counted_facets(cases: QuerySet, size: int = FACET_SIZE) -> tuple[Facets, int, bool]:
    """The facets and the bounded count of a result: (facets, total, more), total
    and more as ``bounded_count`` gives them.

    A small result's cases are read once: its facets are counted exactly on at
    most COUNT_LIMIT + 1 of its cases, and its years' counts add up to its total
    (every case has a date, and counts once in its year). A large result keeps
    the bounded count, which reads its first COUNT_LIMIT + 1 rows and nothing
    more, and estimated facets. Which one a result is, the planner's estimate
    guesses (PostgreSQL); a wrong guess costs time, never a wrong number: a
    "small" result that fills the limit is large, a "large" one that does not is
    then counted exactly, as before."""
    limit = pagination.COUNT_LIMIT
    base = cases.order_by()
    if connection.vendor == "postgresql" and _planned_rows(base) <= limit:
        counts = _postgres_counts(base, limit=limit + 1)
        total = sum(counts["year"].values())
        if total <= limit:
            return _labelled(counts, size, estimated=False), total, False
        total, more = limit, True
    else:
        total, more = pagination.bounded_count(base, limit)
    return case_facets(cases, size, large=more), total, more
