"""An indicator's profile: what its validated cases look like.

Every number counts validated cases through ``case_search``, with the
indicator's filters, exactly as the statistics page does (and through its
queries where they fit). Quantities are kept per dimension (kg, litres,
pieces, heads) and never added across them.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..models import (
    CaseStatus,
    CommodityLine,
    ConcealmentMethod,
    DetectionMethod,
    Dimension,
    TransportMode,
)
from ..search.query import case_search
from ..statistics.matching import shared_matching
from ..statistics.panels import Panel, PanelRequest, country_panel, route_panel, search_link
from ..statistics.queries import cases_by_month, dimension_counts

TOP = 10
THOUSANDTHS = Decimal("0.001")  # grams, millilitres: enough for a seizure
SHARE_HEADING = _("Share of cases (%)")
METHODS = [
    # (name, vocabulary, how a case names it, the search filter that narrows to it)
    ("concealment", ConcealmentMethod, "concealment_methods", "concealment"),
    ("detection_method", DetectionMethod, "detection_method", "detection_method"),
    ("transport_mode", TransportMode, "transport_mode", "transport_mode"),
]
METHOD_TITLES = {
    "concealment": _("Most frequent concealment methods"),
    "detection_method": _("Most frequent detection methods"),
    "transport_mode": _("Transport modes"),
}


@dataclass
class QuantityRow:
    """The quantity a case seized of the indicator's commodities, in one dimension."""

    dimension: str
    label: str
    cases: int
    total: Decimal
    lower_quartile: Decimal
    median: Decimal
    upper_quartile: Decimal


@dataclass
class Profile:
    cases: int
    months: Panel
    quantities: list[QuantityRow] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)  # methods, departures, routes

    @property
    def first_month(self) -> str:
        return self.months.rows[0][0] if self.months.rows else ""

    @property
    def last_month(self) -> str:
        return self.months.rows[-1][0] if self.months.rows else ""


def _validated(user: User, filters: dict):
    return case_search(user=user, filters={**filters, "status": CaseStatus.VALIDATED}).order_by()


def _share(count: int, total: int) -> Decimal:
    """Per cent of the cases, one decimal."""
    return (Decimal(100 * count) / total).quantize(Decimal("0.1")) if total else Decimal(0)


def _next_month(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_panel(*, user: User, filters: dict, query: QueryDict) -> Panel:
    """Validated cases per month, months without a case included (as 0) between
    the first and the last; each month links to its cases."""
    counts = {
        month: measures["cases"]
        for (month, _series), measures in cases_by_month(user=user, filters=filters).items()
    }
    panel = Panel(
        name="months",
        title=str(_("Cases per month")),
        headings=[str(_("Month")), str(_("Cases"))],
    )
    if not counts:
        return panel
    month, last = min(counts), max(counts)
    while month <= last:
        end = _next_month(month) - datetime.timedelta(days=1)
        start = max(month, filters.get("date_from") or month)
        end = min(end, filters.get("date_to") or end)
        panel.rows.append([f"{month:%Y-%m}", counts.get(month, 0)])
        panel.links.append(search_link(query, date_from=start.isoformat(), date_to=end.isoformat()))
        month = _next_month(month)
    return panel


def matching_lines(user: User, filters: dict):
    """The lines of the validated matching cases that the line filters select
    (commodity area and type, HS code, quantity range): the lines the search matched."""
    lines = CommodityLine.objects.filter(case__in=_validated(user, filters).values("pk"))
    if filters.get("area"):
        lines = lines.filter(commodity_type__area=filters["area"])
    if filters.get("commodity_type"):
        lines = lines.filter(commodity_type__in=filters["commodity_type"])
    if filters.get("hs_prefix"):
        lines = lines.filter(hs_code__startswith=filters["hs_prefix"])
    if filters.get("quantity_min") is not None:
        lines = lines.filter(normalised_quantity__gte=filters["quantity_min"])
    if filters.get("quantity_max") is not None:
        lines = lines.filter(normalised_quantity__lte=filters["quantity_max"])
    return lines


def _quartile(values: list[Decimal], quarter: int) -> Decimal:
    """Linear interpolation between the closest ranks, as PostgreSQL's
    percentile_cont: exact in decimals."""
    position, remainder = divmod((len(values) - 1) * quarter, 4)
    value = values[position]
    if remainder:
        value += (values[position + 1] - value) * remainder / 4
    return value


def typical_quantities(*, user: User, filters: dict) -> list[QuantityRow]:
    """Per dimension: how many cases seized some, the total, and the quartiles
    of the quantity per case (the matching lines of one case added, within one
    dimension only)."""
    per_case = (
        matching_lines(user, filters)
        .filter(quantity_not_recorded=False)
        .values("case", "unit__dimension")
        .annotate(quantity=Sum("normalised_quantity"))
        .order_by()
    )
    quantities: dict[str, list[Decimal]] = defaultdict(list)
    for row in per_case:
        quantities[row["unit__dimension"]].append(row["quantity"])
    rows = []
    for dimension, label in Dimension.choices:
        values = sorted(quantities.get(dimension, []))
        if values:
            rows.append(
                QuantityRow(
                    dimension=dimension,
                    label=capfirst(str(label)),
                    cases=len(values),
                    total=sum(values, Decimal(0)).quantize(THOUSANDTHS),
                    lower_quartile=_quartile(values, 1).quantize(THOUSANDTHS),
                    median=_quartile(values, 2).quantize(THOUSANDTHS),
                    upper_quartile=_quartile(values, 3).quantize(THOUSANDTHS),
                )
            )
    return rows


def method_panel(*, user: User, filters: dict, query: QueryDict, name: str, total: int) -> Panel:
    """The most frequent methods among the validated matching cases, each case
    counted once per method it names (from the summary tables when the filters
    map onto them, as the statistics page counts)."""
    _name, model, _relation, search_filter = next(entry for entry in METHODS if entry[0] == name)
    labels = {str(entry.pk): str(entry) for entry in model.objects.all()}
    panel = Panel(
        name=name,
        title=str(METHOD_TITLES[name]),
        headings=[capfirst(str(model._meta.verbose_name)), str(_("Cases")), str(SHARE_HEADING)],
    )
    for method, count in dimension_counts(user=user, filters=filters, kind=name, limit=TOP):
        panel.rows.append([labels.get(method, method), count, _share(count, total)])
        panel.links.append(search_link(query, **{search_filter: method}))
    return panel


def _with_shares(panel: Panel, total: int) -> Panel:
    panel.headings.append(str(SHARE_HEADING))
    for row in panel.rows:
        row.append(_share(row[-1], total))
    return panel


def indicator_profile(*, user: User, filters: dict, query: QueryDict) -> Profile:
    """``filters``: the indicator's search form's cleaned data; ``query``: its
    query string, for the links to the search."""
    with shared_matching():  # one copy of the matching cases for every panel
        total = _validated(user, filters).count()
        panels = [
            method_panel(user=user, filters=filters, query=query, name=name, total=total)
            for name, *_rest in METHODS
        ]
        request = PanelRequest(user=user, filters=filters, query=query)
        departures = country_panel(
            request,
            role="departure",
            title=_("Most frequent departure countries"),
        )
        panels.append(_with_shares(departures, total))
        panels.append(_with_shares(route_panel(request), total))
        return Profile(
            cases=total,
            months=months_panel(user=user, filters=filters, query=query),
            quantities=typical_quantities(user=user, filters=filters),
            panels=panels,
        )
