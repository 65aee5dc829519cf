"""Trends: what changed between two periods of equal length.

For each value of a few dimensions (routes, departure and destination
countries, transport modes, concealment and detection methods) the trends
compare the validated cases of the chosen period (``current``) with those of
the period of equal length just before it (``previous``).

The test is the exact conditional test for two Poisson counts: if cases
arrive at the same rate in both periods, then given their total n = a + b the
current count a follows Binomial(n, ½). The p-value is two-sided — how likely a
split at least this uneven is, either way, if nothing changed — and a change is
significant when p < 0.05. So 1 → 3 is not significant (p = 0.625), 20 → 60 is
(p < 0.0001). With many rows, about one in twenty stable values is flagged by
chance alone: a significant row is a lead to check, not a proof.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import User

from ..models import ConcealmentMethod, DetectionMethod, StatDimension, TransportMode
from .queries import dimension_counts
from .summary import ROUTE_SEPARATOR

SIGNIFICANCE = 0.05
EXACT_UP_TO = 1000  # larger totals sum the tail in log space

# (kind, label, the search filter of one value, vocabulary of the values)
TREND_DIMENSIONS = [
    (StatDimension.ROUTE, _("Route"), None, None),
    (StatDimension.DEPARTURE, _("Departure country"), "departure", None),
    (StatDimension.DESTINATION, _("Destination country"), "destination", None),
    (StatDimension.TRANSPORT_MODE, _("Transport mode"), "transport_mode", TransportMode),
    (StatDimension.CONCEALMENT, _("Concealment method"), "concealment", ConcealmentMethod),
    (
        StatDimension.DETECTION_METHOD,
        _("Detection method"),
        "detection_method",
        DetectionMethod,
    ),
]


def binomial_lower_tail(k: int, n: int) -> float:
    """P(X ≤ k) for X ~ Binomial(n, ½). Exact (integer sums, math.comb) up to
    n = EXACT_UP_TO; beyond, the terms are summed from k downwards in log space
    (each from the last by the ratio i / (n - i + 1)) until they no longer matter."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if n <= EXACT_UP_TO:
        return sum(math.comb(n, i) for i in range(k + 1)) / (1 << n)
    log_term = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) - n * math.log(2)
    term, total = 1.0, 0.0  # terms relative to the largest one, term k
    for i in range(k, -1, -1):
        total += term
        term *= i / (n - i + 1)
        if term < total * 1e-17:
            break
    return min(1.0, math.exp(log_term + math.log(total)))


def poisson_change_p_value(previous: int, current: int) -> float:
    """Two-sided p-value of the exact conditional test that two Poisson counts
    over periods of equal length have the same rate: with n = previous + current,
    current ~ Binomial(n, ½) under that hypothesis; the distribution is
    symmetric, so the two-sided p-value is twice the smaller tail (at most 1)."""
    n = previous + current
    if n == 0:
        return 1.0
    return min(1.0, 2 * binomial_lower_tail(min(previous, current), n))


def add_months(month: datetime.date, count: int) -> datetime.date:
    year, index = divmod(month.year * 12 + month.month - 1 + count, 12)
    return datetime.date(year, index + 1, 1)


@dataclass(frozen=True)
class Periods:
    """``months`` whole months ending with the month of ``end``, and as many before."""

    end: datetime.date
    months: int

    @property
    def current(self) -> tuple[datetime.date, datetime.date]:
        first = add_months(self.end.replace(day=1), 1 - self.months)
        return first, add_months(self.end.replace(day=1), 1) - datetime.timedelta(days=1)

    @property
    def previous(self) -> tuple[datetime.date, datetime.date]:
        first = add_months(self.current[0], -self.months)
        return first, self.current[0] - datetime.timedelta(days=1)


def last_full_month(today: datetime.date) -> datetime.date:
    return add_months(today.replace(day=1), -1)


@dataclass
class TrendRow:
    dimension: str  # the dimension's label
    kind: str
    value: str
    label: str
    previous: int
    current: int
    p_value: float
    # The search parameters that select this value's cases in the current period:
    # the link, and what a risk indicator made from this row would start from.
    search: dict = field(default_factory=dict)
    link: str = ""  # the search URL of ``search``, set by the view
    indicator_link: str = ""  # a risk indicator started from this row, set by the view

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def significant(self) -> bool:
        return self.p_value < SIGNIFICANCE


def _labels(kind: str, model, values) -> dict[str, str]:
    if model is not None:
        return {str(entry.pk): str(entry) for entry in model.objects.filter(pk__in=values)}
    if kind == StatDimension.ROUTE:
        return {
            value: " → ".join(countries.name(code) or code for code in value.split(ROUTE_SEPARATOR))
            for value in values
        }
    return {value: countries.name(value) or value for value in values}


def _value_search(kind: str, parameter: str | None, value: str) -> dict:
    if kind == StatDimension.ROUTE:
        departure, destination = value.split(ROUTE_SEPARATOR)
        return {"departure": departure, "destination": destination}
    return {parameter: value}


def trend_rows(*, user: User, filters: dict, periods: Periods) -> list[TrendRow]:
    """Every value seen in either period, the most significant change first
    (smallest p-value, then the largest change)."""
    current_from, current_to = periods.current
    previous_from, previous_to = periods.previous
    rows = []
    for kind, label, parameter, model in TREND_DIMENSIONS:
        counts = [
            dict(
                dimension_counts(
                    user=user, filters={**filters, "date_from": start, "date_to": end}, kind=kind
                )
            )
            for start, end in ((previous_from, previous_to), (current_from, current_to))
        ]
        previous, current = counts
        values = set(previous) | set(current)
        labels = _labels(kind, model, values)
        for value in values:
            before, now = previous.get(value, 0), current.get(value, 0)
            rows.append(
                TrendRow(
                    dimension=str(label),
                    kind=kind,
                    value=value,
                    label=labels.get(value, value),
                    previous=before,
                    current=now,
                    p_value=poisson_change_p_value(before, now),
                    search={
                        **_value_search(kind, parameter, value),
                        "date_from": current_from.isoformat(),
                        "date_to": current_to.isoformat(),
                    },
                )
            )
    rows.sort(key=lambda row: (row.p_value, -abs(row.change), row.dimension, row.label))
    return rows


TABLE_HEADINGS = [
    # Translators: the column naming what a trend row counts by (route, country, method).
    _("Dimension"),
    _("Value"),
    _("Previous period"),
    _("This period"),
    # Translators: the difference between the two periods' counts.
    _("Change"),
    _("p-value"),
    _("Significant"),
]


def trend_table(rows: list[TrendRow]) -> tuple[list[str], list[list]]:
    """Headings and cells of the trends, for the Excel download."""
    return [str(heading) for heading in TABLE_HEADINGS], [
        [
            row.dimension,
            row.label,
            row.previous,
            row.current,
            row.change,
            row.p_value,
            str(_("yes") if row.significant else _("no")),
        ]
        for row in rows
    ]


def trend_filters(query: QueryDict) -> QueryDict:
    """The search parameters of the trends page without its own or the dates
    (the period replaces them)."""
    kept = query.copy()
    for name in ("date_from", "date_to", "end", "months", "download", "after"):
        kept.pop(name, None)
    return kept
