"""Every hand-written statement of the statistics, in one place.

``INSERT … ON CONFLICT … DO UPDATE`` reads the same on PostgreSQL and on
SQLite (3.24 and later); adding to the stored value under the row lock keeps
two validations at the same moment from losing one another's count.
``INSERT … SELECT`` takes its ``SELECT`` from a Django queryset, so the
engine-specific parts (the month of a date above all) stay Django's.
"""

import json

from django.db import connection
from django.db.models.expressions import RawSQL

from ..models import CaseStatMonth, DimensionStatMonth
from ..rawsql import queryset_sql

CASE_MEASURES = ("cases", "mass_kg", "volume_l", "count_pieces", "heads", "unquantified")
CASE_KEY = ("month", "country", "area", "commodity_type")
DIMENSION_MEASURES = ("cases",)
DIMENSION_KEY = ("kind", "country", "area", "commodity_type", "month", "value")

TABLES = {
    "case": (CaseStatMonth._meta.db_table, CASE_KEY, CASE_MEASURES),
    "dimension": (DimensionStatMonth._meta.db_table, DIMENSION_KEY, DIMENSION_MEASURES),
}
MODELS = {"case": CaseStatMonth, "dimension": DimensionStatMonth}


def _quoted(names) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


def add(table: str, rows: list[tuple], *, prune: bool = True) -> None:
    """Add each row's measures to the stored row of its key (created at zero),
    then (``prune``) drop the rows that no longer count any case. A row is its
    key's values, then its measures', in the order of ``TABLES``."""
    if not rows:
        return
    name, key, measures = TABLES[table]
    qn = connection.ops.quote_name
    columns = [*key, *measures]
    # Table and column names come from the models above, never from a user.
    statement = (
        f"INSERT INTO {qn(name)} ({_quoted(columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({_quoted(key)}) DO UPDATE SET "
        + ", ".join(f"{qn(m)} = {qn(name)}.{qn(m)} + excluded.{qn(m)}" for m in measures)
    )
    keys = [row[: len(key)] for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(set(keys)) == len(keys):
            # One statement for every row, from one array per column: a bulk
            # validation adds tens of thousands of rows, which one INSERT each
            # would take seconds to send. (ON CONFLICT may touch a row only once
            # per statement, hence distinct keys only.)
            fields = [MODELS[table]._meta.get_field(column) for column in columns]
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            cursor.execute(
                statement.replace(
                    f"VALUES ({', '.join(['%s'] * len(columns))})",
                    f"SELECT * FROM unnest({arrays})",  # noqa: S608 (types of our own fields)
                ),
                [list(values) for values in zip(*rows, strict=True)],
            )
        else:
            cursor.executemany(statement, rows)
        if not prune:
            return
        cursor.executemany(
            f"DELETE FROM {qn(name)} WHERE "  # noqa: S608
            + " AND ".join(f"{qn(c)} = %s" for c in key)
            + f" AND {qn('cases')} <= 0",
            keys,
        )


def among(ids: list[int]) -> RawSQL:
    """A subquery of ``ids`` for an ``__in`` filter, as one parameter: the rebuild's
    statements limited to a batch of cases name its ids in each of their parts,
    and one parameter per id would be tens of thousands."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(list(ids)),))


def add_select(table: str, querysets: list, aliases: list[str]) -> None:
    """Add to the stored rows, in one ``INSERT … SELECT … ON CONFLICT`` statement,
    the rows of ``querysets`` (``values()`` querysets as for ``insert_select``, each
    grouped by the table's key, no key in two of them)."""
    selects = [statement for statement in map(queryset_sql, querysets) if statement]
    if not selects:
        return
    name, key, measures = TABLES[table]
    qn = connection.ops.quote_name
    columns = _quoted(aliases)
    union = " UNION ALL ".join(
        f"SELECT {columns} FROM ({select}) part{number}"  # noqa: S608
        for number, (select, _params) in enumerate(selects)
    )
    statement = (
        f"INSERT INTO {qn(name)} ({_quoted([*key, *measures])}) "  # noqa: S608
        f"SELECT * FROM ({union}) source "
        # "WHERE 1 = 1": SQLite reads an ON CONFLICT right after a FROM as a join's ON.
        "WHERE 1 = 1 "
        # In the order of the key's index: the stored rows are met page by page.
        f"ORDER BY {', '.join(str(number) for number in range(1, len(key) + 1))} "
        f"ON CONFLICT ({_quoted(key)}) DO UPDATE SET "
        + ", ".join(f"{qn(m)} = {qn(name)}.{qn(m)} + excluded.{qn(m)}" for m in measures)
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [param for _select, part in selects for param in part])


def add_joined(table: str, *, cases, levels, values, every: str) -> None:
    """Add to the dimension table, in one ``INSERT … SELECT … ON CONFLICT``
    statement, the rows of a batch of cases: ``cases`` (s_case, s_month,
    s_country), ``levels`` (s_case, s_area, s_type) and ``values`` (s_case,
    s_kind, s_value) are ``values()`` querysets with no row twice; each case
    counts once per level and value, for its country and for ``every``."""
    name, key, measures = TABLES[table]
    parts = [queryset_sql(queryset) for queryset in (cases, levels, values)]
    if None in parts:
        return
    qn = connection.ops.quote_name
    country = MODELS[table]._meta.get_field("country").db_type(connection)
    (cases_sql, cases_params), (levels_sql, levels_params), (values_sql, values_params) = parts
    # Table and column names come from the models, aliases from summary.py.
    statement = (
        f"WITH batch_cases AS ({cases_sql}), batch_levels AS ({levels_sql}), "  # noqa: S608
        f"batch_values AS ({values_sql}), contribution AS ("
        "SELECT v.s_kind, c.s_country, l.s_area, l.s_type, c.s_month, v.s_value, "
        "COUNT(*) AS s_cases FROM batch_cases c "
        "JOIN batch_levels l ON l.s_case = c.s_case "
        "JOIN batch_values v ON v.s_case = c.s_case "
        "GROUP BY v.s_kind, c.s_country, l.s_area, l.s_type, c.s_month, v.s_value) "
        f"INSERT INTO {qn(name)} ({_quoted([*key, *measures])}) "
        "SELECT * FROM (SELECT * FROM contribution UNION ALL "
        f"SELECT s_kind, CAST(%s AS {country}), s_area, s_type, s_month, s_value, SUM(s_cases) "
        "FROM contribution GROUP BY s_kind, s_area, s_type, s_month, s_value) source "
        # "WHERE 1 = 1": SQLite reads an ON CONFLICT right after a FROM as a join's ON.
        "WHERE 1 = 1 ORDER BY 1, 2, 3, 4, 5, 6 "
        f"ON CONFLICT ({_quoted(key)}) DO UPDATE SET "
        + ", ".join(f"{qn(m)} = {qn(name)}.{qn(m)} + excluded.{qn(m)}" for m in measures)
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*cases_params, *levels_params, *values_params, every])


def insert_select(table: str, queryset, aliases: list[str]) -> None:
    """``INSERT INTO table SELECT …`` the rows of a ``values()`` queryset whose
    ``aliases`` (annotation names) give, in order, the table's key then its measures."""
    name, key, measures = TABLES[table]
    statement = queryset_sql(queryset)
    if statement is None:  # a queryset known to select nothing: nothing to insert
        return
    select, params = statement
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(name)} ({_quoted([*key, *measures])}) "  # noqa: S608
            f"SELECT {_quoted(aliases)} FROM ({select}) source",
            params,
        )


def clear(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(TABLES[table][0])}")  # noqa: S608


def prepare_rebuild() -> None:
    """PostgreSQL: lock both tables against the validations of other sessions until
    the rebuild commits (a validation waits, then adds its case to the rebuilt
    rows; one that already holds a row lock is waited for, then counted by the
    rebuild's reads), and give the rebuild's sorts more memory, for this
    transaction only. SQLite writes one transaction at a time anyway."""
    if connection.vendor != "postgresql":
        return
    names = ", ".join(connection.ops.quote_name(table[0]) for table in TABLES.values())
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
        cursor.execute("SET LOCAL work_mem = '256MB'")
