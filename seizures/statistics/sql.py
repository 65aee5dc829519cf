"""Every engine-specific statement of the statistics, in one place.

``INSERT … ON CONFLICT … DO UPDATE`` reads the same on PostgreSQL and on
SQLite (3.24 and later); adding to the stored value under the row lock keeps
two validations at the same moment from losing one another's count.
"""

from django.db import connection

from ..models import CaseStatMonth, RouteStatMonth

CASE_MEASURES = ("cases", "mass_kg", "volume_l", "count_pieces", "heads")
CASE_KEY = ("month", "country", "area", "commodity_type")
ROUTE_MEASURES = ("cases",)
ROUTE_KEY = ("month", "kind", "country", "area", "commodity_type")

TABLES = {
    "case": (CaseStatMonth._meta.db_table, CASE_KEY, CASE_MEASURES),
    "route": (RouteStatMonth._meta.db_table, ROUTE_KEY, ROUTE_MEASURES),
}


def add(table: str, rows: list[tuple], *, prune: bool = True) -> None:
    """Add each row's measures to the stored row of its key (created at zero),
    then (``prune``) drop the rows that no longer count any case."""
    if not rows:
        return
    name, key, measures = TABLES[table]
    qn = connection.ops.quote_name
    columns = [*key, *measures]
    # Table and column names come from the models above, never from a user.
    statement = (
        f"INSERT INTO {qn(name)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(qn(c) for c in key)}) DO UPDATE SET "
        + ", ".join(f"{qn(m)} = {qn(name)}.{qn(m)} + excluded.{qn(m)}" for m in measures)
    )
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)
        if not prune:
            return
        keys = [row[: len(key)] for row in rows]
        cursor.executemany(
            f"DELETE FROM {qn(name)} WHERE "  # noqa: S608
            + " AND ".join(f"{qn(c)} = %s" for c in key)
            + f" AND {qn('cases')} <= 0",
            keys,
        )
