"""Trends: what changed between two periods of equal length.

For each value of a few dimensions (routes, departure and destination
countries, transport modes, concealment and detection methods) the trends
compare the validated cases of the chosen period (``current``) with those of
the period of equal length just before it (``previous``).

The test is the exact conditional test for two Poisson counts: if cases
arrive at the same daily rate in both periods, then given their total
n = a + b the current count a follows Binomial(n, d / (d + d')), d and d' the
days of the current and previous periods (½ when they are as long). The
p-value is two-sided — how likely a split at least this uneven is, either way,
if nothing changed — and a change is significant when p < 0.05. So 1 → 3 is
not significant (p = 0.625), 20 → 60 is (p < 0.0001). With many rows, about
one in twenty stable values is flagged by chance alone: a significant row is a
lead to check, not a proof.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User

from ..models import ConcealmentMethod, DetectionMethod, StatDimension, TransportMode
from .panels import country_name, route_label
from .queries import dimension_counts
from .summary import ROUTE_SEPARATOR

SIGNIFICANCE = 0.05

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


def _log_pmf(i: int, n: int, p: float) -> float:
    """log P(X = i) for X ~ Binomial(n, p), 0 < p < 1."""
    return (
        math.lgamma(n + 1)
        - math.lgamma(i + 1)
        - math.lgamma(n - i + 1)
        + i * math.log(p)
        + (n - i) * math.log1p(-p)
    )


def _tail(k: int, n: int, p: float, *, upper: bool) -> float:
    """P(X ≥ k) (``upper``) or P(X ≤ k), summed from k outwards, each term from
    the last by the ratio of successive probabilities, relative to term k (so
    nothing underflows), until the terms no longer matter. Called only for a k
    on the far side of the mode, where the terms shrink."""
    if k < 0 or k > n:
        return 0.0
    odds = p / (1 - p)
    term, total, i = 1.0, 0.0, k
    while 0 <= i <= n:
        total += term
        if upper:
            term *= (n - i) / (i + 1) * odds
            i += 1
        else:
            term *= i / (n - i + 1) / odds
            i -= 1
        if term < total * 1e-17:
            break
    return min(1.0, math.exp(_log_pmf(k, n, p) + math.log(total)))


def binomial_two_sided_p_value(k: int, n: int, p: float = 0.5) -> float:
    """Two-sided p-value of k successes in n trials of probability p: the
    probability of every outcome no more likely than k (as scipy's binomtest
    computes it). Exact up to floating point, in O(√n) terms."""
    if n == 0:
        return 1.0
    mode = min(n, math.floor((n + 1) * p))
    observed = _log_pmf(k, n, p) + 1e-7  # ties within rounding count as "as likely"
    # On the other side of the mode, the first outcome no more likely than k
    # (the probabilities fall away from the mode: a binary search finds it).
    if k <= mode:
        low, high = mode, n + 1
        while low < high:
            middle = (low + high) // 2
            if _log_pmf(middle, n, p) <= observed:
                high = middle
            else:
                low = middle + 1
        return min(1.0, _tail(k, n, p, upper=False) + _tail(low, n, p, upper=True))
    low, high = -1, mode
    while low < high:
        middle = (low + high + 1) // 2
        if _log_pmf(middle, n, p) <= observed:
            low = middle
        else:
            high = middle - 1
    return min(1.0, _tail(k, n, p, upper=True) + _tail(low, n, p, upper=False))


def poisson_change_p_value(
    previous: int, current: int, *, previous_days: int = 1, current_days: int = 1
) -> float:
    """Two-sided p-value of the exact conditional test that two Poisson counts
    have the same daily rate: with n = previous + current, current ~ Binomial(n,
    current_days / (previous_days + current_days)) under that hypothesis. Twelve
    months against the twelve before differ by a day in a leap year, one month
    against the one before by up to three: the days, not the months, weigh."""
    share = current_days / (previous_days + current_days)
    return binomial_two_sided_p_value(current, previous + current, share)


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
        return {value: route_label(*value.split(ROUTE_SEPARATOR)) for value in values}
    return {value: country_name(value) for value in values}


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
    current_days = (current_to - current_from).days + 1
    previous_days = (previous_to - previous_from).days + 1
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
                    p_value=poisson_change_p_value(
                        before, now, previous_days=previous_days, current_days=current_days
                    ),
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
    pgettext_lazy("difference between two counts", "Change"),
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
