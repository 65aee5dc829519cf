"""The statistics panels: their rows, labels and links to the search, ready for
the page, its tables and its Excel downloads."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.http import QueryDict
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries

from accounts.models import Administration, User

from ..models import (
    CaseStatus,
    CommodityArea,
    CommodityType,
    ConcealmentMethod,
    DetectionMethod,
    StatDimension,
    TransportMode,
)
from .queries import cases_by_month, dimension_counts, methods_by_area, top_countries, top_routes
from .summary import ALL

PERIODS = [("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))]
STACKS = [("", _("All commodities")), ("area", _("Commodity area")), ("type", _("Commodity"))]
# What the over-time panel measures: cases, or one normalised unit (never a sum
# across units).
MEASURES = [
    ("cases", _("Cases")),
    ("mass_kg", _("Quantity (kg)")),
    ("volume_l", _("Quantity (litres)")),
    ("count_pieces", _("Quantity (pieces)")),
    ("heads", _("Quantity (heads)")),
]
QUANTITY_HEADINGS = {column: label for column, label in MEASURES if column != "cases"}
# "reporting" counts the country of seizure; the reporting administration (which
# may file a seizure made abroad) has a panel of its own.
COUNTRY_PANELS = [
    ("reporting", _("Top countries of seizure")),
    ("departure", _("Top departure countries")),
    ("destination", _("Top destination countries")),
    ("transit", _("Top transit countries")),
]

METHOD_PANELS = [
    ("transport_mode", TransportMode, _("Transport modes per commodity area")),
    ("detection_method", DetectionMethod, _("Detection methods per commodity area")),
    ("concealment", ConcealmentMethod, _("Concealment methods per commodity area")),
]


# A ranking shows this many rows, and every row tied with the last of them as long
# as it stays within TIED_AT_MOST rows; past that, it says how many more are tied.
TOP = 10
TIED_AT_MOST = 2 * TOP


def _number(value):
    """A count stays an int; a quantity (Decimal) becomes a float for the chart."""
    return float(value) if isinstance(value, Decimal) else value


@dataclass(frozen=True)
class PanelRequest:
    """What every panel is built from: the reader, the search filters (cleaned
    data and the query string they came from) and the page's own choices."""

    user: User
    filters: dict
    query: QueryDict
    period: str = "month"
    stack: str = "area"
    measure: str = "cases"


@dataclass
class Panel:
    name: str
    title: str
    headings: list[str]
    rows: list[list] = field(default_factory=list)  # first cell a label, then numbers
    links: list[str] = field(default_factory=list)  # one search URL per row
    series_column: bool = False  # the second cell names a series (stacked bars)
    note: str = ""  # said under the chart, e.g. the entries tied with the last one shown

    @property
    def chart_id(self) -> str:
        return f"chart-{self.name}"

    @property
    def table(self):
        return list(zip(self.rows, self.links, strict=True))

    @property
    def chart(self) -> dict:
        """Chart.js data: bars of case counts, each with the search link it opens."""
        if not self.series_column:
            return {
                "stacked": False,
                "labels": [str(row[0]) for row in self.rows],
                "datasets": [
                    {
                        "label": self.headings[1],
                        "data": [_number(row[1]) for row in self.rows],
                        "links": self.links,
                    }
                ],
            }
        labels = list(dict.fromkeys(row[0] for row in self.rows))
        datasets: dict[str, dict] = {}
        for row, link in zip(self.rows, self.links, strict=True):
            dataset = datasets.setdefault(
                row[1],
                {"label": row[1], "data": [0] * len(labels), "links": [""] * len(labels)},
            )
            position = labels.index(row[0])
            dataset["data"][position], dataset["links"][position] = _number(row[2]), link
        return {"stacked": True, "labels": labels, "datasets": list(datasets.values())}


def search_link(query: QueryDict, **changes) -> str:
    """The search with this panel's filter added, over validated cases only."""
    narrowed = query.copy()
    narrowed.pop("after", None)
    narrowed["status"] = CaseStatus.VALIDATED
    for name, value in changes.items():
        narrowed[name] = value
    return f"{reverse('seizures:case-search')}?{narrowed.urlencode()}"


def _period_start(month: datetime.date, period: str) -> datetime.date:
    if period == "year":
        return month.replace(month=1)
    if period == "quarter":
        return month.replace(month=(month.month - 1) // 3 * 3 + 1)
    return month


def _period_end(start: datetime.date, period: str) -> datetime.date:
    months = {"year": 12, "quarter": 3}.get(period, 1)
    year, month = divmod(start.month - 1 + months, 12)
    return datetime.date(start.year + year, month + 1, 1) - datetime.timedelta(days=1)


def _period_label(start: datetime.date, period: str) -> str:
    if period == "year":
        return str(start.year)
    if period == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y-%m}"


def _stack_labels(stack: str) -> dict[int, str]:
    if stack == "area":
        return {area.pk: str(area) for area in CommodityArea.objects.all()}
    if stack == "type":
        return {
            commodity_type.pk: str(commodity_type) for commodity_type in CommodityType.objects.all()
        }
    return {ALL: str(_("All commodities"))}


def time_panel(request: PanelRequest) -> Panel:
    """One measure (cases, or quantities in one unit) per period and per series:
    one row per (period, series)."""
    measure, period, stack = request.measure, request.period, request.stack
    totals: dict[tuple[datetime.date, int], int] = {}
    by_month = cases_by_month(user=request.user, filters=request.filters, stack=stack or None)
    for (month, series), measures in by_month.items():
        key = (_period_start(month, period), series)
        totals[key] = totals.get(key, 0) + measures[measure]
    labels = _stack_labels(stack)
    series_filter = {"area": "area", "type": "commodity_type"}.get(stack)
    panel = Panel(
        name="time",
        title=str(_("Cases and quantities over time")),
        series_column=True,
        headings=[str(_("Period")), str(_("Series")), str(dict(MEASURES)[measure])],
    )
    for (start, series), value in sorted(totals.items()):
        if not value:  # e.g. no kilograms in a series of cigarettes counted in pieces
            continue
        panel.rows.append([_period_label(start, period), labels.get(series, str(series)), value])
        changes = {
            "date_from": start.isoformat(),
            "date_to": _period_end(start, period).isoformat(),
        }
        if series_filter:
            changes[series_filter] = str(series)
        panel.links.append(search_link(request.query, **changes))
    if measure != "cases":
        panel.note = unquantified_note(request, by_month if not stack else None)
    return panel


def unquantified_note(request: PanelRequest, by_month: dict | None = None) -> str:
    """How many of the cases have a line whose quantity is not recorded: they are
    counted as cases, never in the quantities. ``by_month``: the single series of
    ``cases_by_month`` if already at hand (a series per area would count a case
    in each of its areas)."""
    if by_month is None:
        by_month = cases_by_month(user=request.user, filters=request.filters)
    count = sum(measures["unquantified"] for measures in by_month.values())
    if not count:
        return ""
    return ngettext(
        "%(count)s seizure without a recorded quantity is left out of the quantities.",
        "%(count)s seizures without a recorded quantity are left out of the quantities.",
        count,
    ) % {"count": count}


def country_name(code: str) -> str:
    """A country's name in the reader's language (its code if it has none)."""
    return countries.name(code) or code


def route_label(departure: str, destination: str) -> str:
    return f"{country_name(departure)} → {country_name(destination)}"


def country_link(query: QueryDict, role: str, code: str) -> str:
    if role == "reporting":
        return search_link(query, country=code)
    if role in ("departure", "destination"):
        return search_link(query, **{role: code})
    return search_link(query, route_country=code, route_role=role)


def ranked(rows: list, panel: Panel) -> list:
    """The first TOP of ``rows`` (most cases first, the count last in each), with
    the rows tied with the last of them: shown while they stay within
    TIED_AT_MOST rows, otherwise counted in the panel's note. A ranking never
    hides, without a word, an entry that has as many cases as one it shows."""
    if len(rows) <= TOP:
        return rows
    last = rows[TOP - 1][-1]
    end = TOP
    while end < len(rows) and rows[end][-1] == last:
        end += 1
    if end <= TIED_AT_MOST:
        return rows[:end]
    tied = end - TOP
    panel.note = ngettext(
        "And %(count)s more tied with the last one shown.",
        "And %(count)s more tied with the last one shown.",
        tied,
    ) % {"count": tied}
    return rows[:TOP]


def country_panel(request: PanelRequest, *, role: str, title) -> Panel:
    panel = Panel(name=role, title=str(title), headings=[str(_("Country")), str(_("Cases"))])
    counts = top_countries(user=request.user, filters=request.filters, role=role, limit=None)
    for code, count in ranked(counts, panel):
        panel.rows.append([country_name(code), count])
        panel.links.append(country_link(request.query, role, code))
    return panel


def administration_panel(request: PanelRequest) -> Panel:
    """Cases per reporting administration: who filed them, wherever they were seized."""
    panel = Panel(
        name="administrations",
        title=str(_("Top reporting administrations")),
        headings=[str(_("Reporting administration")), str(_("Cases"))],
    )
    counts = dimension_counts(
        user=request.user, filters=request.filters, kind=StatDimension.ADMINISTRATION
    )
    rows = ranked(counts, panel)
    administrations = Administration.objects.in_bulk([int(pk) for pk, _count in rows])
    for pk, count in rows:
        panel.rows.append([administrations[int(pk)].name, count])
        panel.links.append(search_link(request.query, administration=pk))
    return panel


def route_panel(request: PanelRequest) -> Panel:
    """Departure → destination pairs; each links to the search for exactly that
    departure and that destination."""
    panel = Panel(
        name="routes",
        title=str(_("Top routes (departure → destination)")),
        headings=[str(_("Route")), str(_("Cases"))],
    )
    routes = top_routes(user=request.user, filters=request.filters, limit=None)
    for departure, destination, count in ranked(routes, panel):
        panel.rows.append([route_label(departure, destination), count])
        panel.links.append(search_link(request.query, departure=departure, destination=destination))
    return panel


def method_panel(request: PanelRequest, *, method: str, model, title) -> Panel:
    labels = {entry.pk: str(entry) for entry in model.objects.all()}
    areas = {area.pk: str(area) for area in CommodityArea.objects.all()}
    panel = Panel(
        name=method,
        title=str(title),
        headings=[
            capfirst(str(model._meta.verbose_name)),
            str(_("Commodity area")),
            str(_("Cases")),
        ],
        series_column=True,
    )
    for method_id, area, count in methods_by_area(
        user=request.user, filters=request.filters, method=method
    ):
        panel.rows.append(
            [labels.get(method_id, str(method_id)), areas.get(area, str(area)), count]
        )
        panel.links.append(
            search_link(request.query, **{method: str(method_id), "area": str(area)})
        )
    return panel


# The page's panels, in order: each a function of the PanelRequest. A new panel
# is one more entry here (and, if it needs one, a query in queries.py).
PANELS = [
    time_panel,
    # Where the seizures were made, and who reported them, side by side.
    *(partial(country_panel, role=role, title=title) for role, title in COUNTRY_PANELS[:1]),
    administration_panel,
    *(partial(country_panel, role=role, title=title) for role, title in COUNTRY_PANELS[1:]),
    route_panel,
    *(
        partial(method_panel, method=method, model=model, title=title)
        for method, model, title in METHOD_PANELS
    ),
]


def statistics_panels(request: PanelRequest) -> list[Panel]:
    return [build(request) for build in PANELS]
