"""The annual summary, in the spirit of the WCO Illicit Trade Report: for one year
and one commodity area (or all), the headline numbers, the top routes and
countries, and the change against the year before. Every number comes from the
statistics queries over whole years, so it equals the statistics page's."""

import datetime
from dataclasses import dataclass
from functools import partial

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..models import CommodityArea
from .panels import QUANTITY_HEADINGS, country_link, country_name, route_label, search_link
from .queries import QUANTITY_COLUMNS, cases_by_month, top_countries, top_routes

FIRST_YEAR = 2000
TOP = 10
EVERY = 100_000  # a limit above the number of countries and of routes
ROLES = [
    ("reporting", _("Top countries of seizure")),
    ("departure", _("Top departure countries")),
    ("destination", _("Top destination countries")),
]


def last_full_year() -> int:
    return timezone.localdate().year - 1


class AnnualSummaryForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    area = forms.ModelChoiceField(
        label=_("Commodity area"),
        queryset=CommodityArea.objects.all(),
        required=False,
        empty_label=_("All commodities"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [
            (year, str(year)) for year in range(this_year, FIRST_YEAR - 1, -1)
        ]


@dataclass
class Change:
    """One figure this year beside the year before."""

    label: str
    current: float
    previous: float

    @property
    def difference(self):
        return self.current - self.previous

    @property
    def percent(self) -> float | None:
        if not self.previous:
            return None
        return float(self.difference) * 100 / float(self.previous)


@dataclass
class RankedRow:
    label: str
    link: str
    current: int
    previous: int
    rank: int
    previous_rank: int | None

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) or lost since last year; None if new."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


def year_filters(year: int, area: CommodityArea | None) -> dict:
    filters = {"date_from": datetime.date(year, 1, 1), "date_to": datetime.date(year, 12, 31)}
    if area is not None:
        filters["area"] = area
    return filters


def _search_query(year: int, area: CommodityArea | None) -> QueryDict:
    query = QueryDict(mutable=True)
    query["date_from"] = f"{year}-01-01"
    query["date_to"] = f"{year}-12-31"
    if area is not None:
        query["area"] = str(area.pk)
    return query


def _ranked(current: list, previous: list, label, link) -> list[RankedRow]:
    """The first TOP entries of this year's (key..., count) list, each beside its
    count and rank the year before."""
    before = {tuple(entry[:-1]): (rank, entry[-1]) for rank, entry in enumerate(previous, 1)}
    rows = []
    for rank, entry in enumerate(current[:TOP], start=1):
        key = tuple(entry[:-1])
        previous_rank, previous_count = before.get(key, (None, 0))
        rows.append(
            RankedRow(
                label=label(*key),
                link=link(*key),
                current=entry[-1],
                previous=previous_count,
                rank=rank,
                previous_rank=previous_rank,
            )
        )
    return rows


def annual_summary(*, user: User, year: int, area: CommodityArea | None) -> dict:
    filters = {when: year_filters(when, area) for when in (year, year - 1)}
    query = _search_query(year, area)

    months = {when: cases_by_month(user=user, filters=filters[when]) for when in filters}
    totals = {}
    for when, rows in months.items():
        totals[when] = dict.fromkeys(["cases", *QUANTITY_COLUMNS.values(), "unquantified"], 0)
        for measures in rows.values():
            for name in totals[when]:
                totals[when][name] += measures[name]
    by_role = {
        (role, when): top_countries(user=user, filters=filters[when], role=role, limit=EVERY)
        for role, _title in ROLES
        for when in filters
    }
    headline = [Change(str(_("Validated cases")), totals[year]["cases"], totals[year - 1]["cases"])]
    headline += [
        Change(str(QUANTITY_HEADINGS[column]), totals[year][column], totals[year - 1][column])
        for column in QUANTITY_COLUMNS.values()
        if totals[year][column] or totals[year - 1][column]
    ]
    if totals[year]["unquantified"] or totals[year - 1]["unquantified"]:
        # Counted among the cases, never in the quantities above.
        headline.append(
            Change(
                str(_("Seizures without a recorded quantity")),
                totals[year]["unquantified"],
                totals[year - 1]["unquantified"],
            )
        )
    headline.append(
        Change(
            str(_("Countries of seizure")),
            len(by_role[("reporting", year)]),
            len(by_role[("reporting", year - 1)]),
        )
    )

    rankings = [
        (
            title,
            _ranked(
                by_role[(role, year)],
                by_role[(role, year - 1)],
                country_name,
                partial(country_link, query, role),
            ),
        )
        for role, title in ROLES
    ]
    routes = _ranked(
        top_routes(user=user, filters=filters[year], limit=EVERY),
        top_routes(user=user, filters=filters[year - 1], limit=EVERY),
        route_label,
        lambda departure, destination: search_link(
            query, departure=departure, destination=destination
        ),
    )
    month_rows = []
    for month in range(1, 13):
        counts = [
            sum(
                measures["cases"]
                for (start, _series), measures in months[when].items()
                if start.month == month
            )
            for when in (year, year - 1)
        ]
        first_day = datetime.date(year, month, 1)
        month_rows.append(
            {
                "label": date_format(first_day, "F"),
                "current": counts[0],
                "previous": counts[1],
                "link": search_link(
                    query,
                    date_from=first_day.isoformat(),
                    date_to=(
                        datetime.date(year + month // 12, month % 12 + 1, 1)
                        - datetime.timedelta(days=1)
                    ).isoformat(),
                ),
            }
        )
    return {
        "year": year,
        "previous_year": year - 1,
        "area": area,
        "headline": headline,
        "rankings": rankings,
        "routes": routes,
        "months": month_rows,
        "chart": {
            "labels": [row["label"] for row in month_rows],
            "datasets": [
                {"label": str(year), "data": [row["current"] for row in month_rows]},
                {"label": str(year - 1), "data": [row["previous"] for row in month_rows]},
            ],
            "links": [row["link"] for row in month_rows],
        },
    }
