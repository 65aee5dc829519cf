"""A queryset as SQL text, for the few statements written by hand around one
(the facets' GROUPING SETS, the statistics' ``INSERT … SELECT``).

Django knows some querysets select nothing without asking the database (an
empty ``pk__in``: a free text that matched no case, an area with no commodity
types). Such a queryset has no SQL text — Django raises ``EmptyResultSet``
when asked for it — so ``queryset_sql`` answers None, and each caller answers
its own empty result without running a statement.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet


def queryset_sql(queryset: QuerySet) -> tuple[str, tuple] | None:
    """The SELECT of ``queryset`` and its parameters, or None when it selects no row."""
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
