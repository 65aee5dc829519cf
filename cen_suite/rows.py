"""Rows written from a query, not from Python objects: ``INSERT … SELECT``.

A bulk step on thousands of cases writes one history entry and one audit row
per case; building them as model instances costs more than the database's
own work. The ``SELECT`` is a Django queryset, so engine-specific parts (JSON
objects, casts) stay Django's.
"""

from django.core.exceptions import EmptyResultSet
from django.db import connection


def rows_insert_from(*, model, queryset, fields: dict[str, str]) -> None:
    """Insert into ``model``'s table one row per row of ``queryset``: ``fields``
    maps each of the model's fields to the annotation of the queryset that gives
    its value (another name than the field's, which the queryset's model may have)."""
    try:
        select, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # known to select nothing
        return
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(name).column) for name in fields)
    aliases = ", ".join(qn(alias) for alias in fields.values())
    with connection.cursor() as cursor:
        # Names come from the model and the caller's annotations, never from a user.
        cursor.execute(
            f"INSERT INTO {qn(model._meta.db_table)} ({columns}) "  # noqa: S608
            f"SELECT {aliases} FROM ({select}) source",
            params,
        )
