"""Every hand-written statement of the statistics, in one place.

``INSERT … ON CONFLICT … DO UPDATE`` reads the same on PostgreSQL and on
SQLite (3.24 and later); adding to the stored value under the row lock keeps
two validations at the same moment from losing one another's count.
``INSERT … SELECT`` takes its ``SELECT`` from a Django queryset, so the
engine-specific parts (the month of a date above all) stay Django's.
"""

from django.db import connection

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
