"""Keyset ("seek") pagination: page 200 costs what page 1 costs, unlike OFFSET.

The page token is the sort key of the last row shown; the next page is
"the rows after that key" in the same order.
"""

import base64
import datetime
import json

from django.db.models import Q, QuerySet

PAGE_SIZE = 50
COUNT_LIMIT = 10_000


def _encode(values: list) -> str:
    plain = [v.isoformat() if isinstance(v, datetime.date) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(token: str, fields: list[str], model) -> list | None:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(raw, list) or len(raw) != len(fields):
        return None
    values = []
    for field_name, value in zip(fields, raw, strict=True):
        field = model._meta.get_field(field_name)
        try:
            values.append(field.to_python(value))
        except Exception:
            return None
    return values


def _after(order: tuple[str, ...], values: list) -> Q:
    """Rows strictly after ``values`` in ``order`` (mixed directions allowed).

    The first sort key is bounded on its own too ("date ≤ the last date"), a
    condition the database can start the index scan from; the OR that follows
    alone would make it read every earlier row again and throw them away."""
    condition = Q(pk__in=[])
    equal = Q()
    for spec, value in zip(order, values, strict=True):
        name = spec.lstrip("-")
        lookup = "lt" if spec.startswith("-") else "gt"
        condition |= equal & Q(**{f"{name}__{lookup}": value})
        equal &= Q(**{name: value})
    first = order[0]
    bound = "lte" if first.startswith("-") else "gte"
    return Q(**{f"{first.lstrip('-')}__{bound}": values[0]}) & condition


def _sort_value(row, name: str):
    value = getattr(row, name)
    return getattr(value, "code", value)  # a django-countries Country → its code


def keyset_page(queryset: QuerySet, *, order: tuple[str, ...], after: str | None, size=PAGE_SIZE):
    """One page of ``queryset`` (already ordered by ``order``) and the next token."""
    fields = [spec.lstrip("-") for spec in order]
    if after:
        values = _decode(after, fields, queryset.model)
        if values is not None:
            queryset = queryset.filter(_after(order, values))
    rows = list(queryset[: size + 1])
    next_token = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_token = _encode([_sort_value(last, name) for name in fields])
    return rows, next_token


def bounded_count(queryset: QuerySet, limit: int | None = None) -> tuple[int, bool]:
    """The exact count up to ``limit``; beyond it, (limit, True) for "more than"."""
    limit = limit or COUNT_LIMIT
    count = queryset.order_by()[: limit + 1].count()
    return min(count, limit), count > limit
