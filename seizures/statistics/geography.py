"""The world map panel: validated cases per country as a choropleth (reporting,
departure or destination country) or the top routes as arcs, on the vendored
Natural Earth outline (static/vendor/natural-earth/, built by
tools/build_world_map.py).

The outlines are a static file, ``world-map.svg``, which the page draws country
by country with ``<use>``; the browser caches it. The server reads only
``world-map.json``: the codes, the centroids for the arcs, the small countries."""

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User

from .panels import Panel, country_link, country_name, route_label, search_link
from .queries import top_countries, top_routes

GEOMETRY = "vendor/natural-earth/world-map.json"
MAP_ROLES = [
    ("reporting", _("Countries of seizure")),
    ("departure", _("Departure countries")),
    ("destination", _("Destination countries")),
    # Translators: the map's fourth view, arcs from departure to destination country.
    ("routes", _("Route flows")),
]
EVERY_COUNTRY = 10_000  # a limit above the number of countries
FLOW_ROUTES = 25
# ColorBrewer YlGnBu, five classes: sequential and colour-blind safe.
PALETTE = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
FLOW_WIDTHS = (0.8, 6.0)  # narrowest and widest arc, in map units


@lru_cache(maxsize=1)
def world_geometry() -> dict:
    """The country outlines, read once per process."""
    with open(finders.find(GEOMETRY), encoding="utf-8") as source:
        world = json.load(source)
    for country in world["countries"]:
        country.setdefault("outline", True)  # False: too small for one, a dot only
    world["by_code"] = {country["code"]: country for country in world["countries"]}
    return world


def colour_classes(counts: list[int], classes: int = len(PALETTE)) -> list[tuple[int, int]]:
    """(lowest, highest) count of each colour class: quantiles of the counts, so
    each colour covers about as many countries, never an empty class."""
    values = sorted(count for count in counts if count > 0)
    if not values:
        return []
    distinct = sorted(set(values))
    if len(distinct) <= classes:
        return [(value, value) for value in distinct]
    uppers = sorted(
        {values[math.ceil(i * len(values) / classes) - 1] for i in range(1, classes + 1)}
    )
    bounds, low = [], values[0]
    for upper in uppers:
        bounds.append((low, upper))
        low = upper + 1
    return bounds


def _class_of(count: int, bounds: list[tuple[int, int]]) -> int:
    return next(index for index, (_low, high) in enumerate(bounds) if count <= high)


def _range_label(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


@dataclass
class MapPanel(Panel):
    role: str = "reporting"
    width: float = 0
    height: float = 0
    shapes: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    flows: list[dict] = field(default_factory=list)


def _case_count_title(name: str, count: int) -> str:
    return ngettext(
        "%(country)s: %(count)s validated case",
        "%(country)s: %(count)s validated cases",
        count,
    ) % {"country": name, "count": count}


def map_switch(page_query: QueryDict) -> list[tuple[str, str, str]]:
    """(role, label, URL) of each view of the map: the page with its filters,
    the role in the URL so that the view can be shared."""
    links = []
    for role, label in MAP_ROLES:
        query = page_query.copy()
        query["map_role"] = role
        links.append((role, str(label), f"?{query.urlencode()}#map"))
    return links


def map_panel(*, user: User, filters: dict, query: QueryDict, role: str) -> MapPanel:
    world = world_geometry()
    is_flow = role == "routes"
    panel = MapPanel(
        name="map",
        title=str(_("Map of validated cases")),
        headings=[str(_("Route") if is_flow else _("Country")), str(_("Cases"))],
        role=role,
        width=world["width"],
        height=world["height"],
    )
    counts: dict[str, int] = {}
    links: dict[str, str] = {}
    bounds: list[tuple[int, int]] = []
    if is_flow:
        _add_flows(panel, user=user, filters=filters, query=query)
    else:
        for code, count in top_countries(
            user=user, filters=filters, role=role, limit=EVERY_COUNTRY
        ):
            counts[code] = count
            links[code] = country_link(query, role, code)
            panel.rows.append([country_name(code), count])
            panel.links.append(links[code])
        bounds = colour_classes(list(counts.values()))
        panel.legend = [
            {"colour": PALETTE[index], "label": _range_label(low, high)}
            for index, (low, high) in enumerate(bounds)
        ]
    for country in world["countries"]:
        code = country["code"]
        shape = {**country, "name": country_name(code)}
        count = counts.get(code)
        if count:
            shape["count"] = count
            shape["fill"] = PALETTE[_class_of(count, bounds)]
            shape["title"] = _case_count_title(shape["name"], count)
            shape["link"] = links[code]
        panel.shapes.append(shape)
    return panel


def _add_flows(panel: MapPanel, *, user: User, filters: dict, query: QueryDict) -> None:
    """The top routes as curved arcs from departure to destination centroid."""
    places = world_geometry()["by_code"]
    routes = top_routes(user=user, filters=filters, limit=FLOW_ROUTES)
    largest = max((count for *_pair, count in routes), default=0)
    narrow, wide = FLOW_WIDTHS
    for departure, destination, count in routes:
        label = route_label(departure, destination)
        link = search_link(query, departure=departure, destination=destination)
        panel.rows.append([label, count])
        panel.links.append(link)
        start, end = places.get(departure), places.get(destination)
        if not start or not end or departure == destination:
            continue  # no arc for a country off the map or a domestic route
        (x1, y1), (x2, y2) = start["c"], end["c"]
        # Bend each arc to its left, so that A → B and B → A stay apart.
        cx = (x1 + x2) / 2 + (y2 - y1) * 0.25
        cy = (y1 + y2) / 2 - (x2 - x1) * 0.25
        panel.flows.append(
            {
                "d": f"M{x1} {y1}Q{cx:.1f} {cy:.1f} {x2} {y2}",
                "width": round(narrow + (wide - narrow) * count / largest, 1),
                "title": ngettext(
                    "%(route)s: %(count)s validated case",
                    "%(route)s: %(count)s validated cases",
                    count,
                )
                % {"route": label, "count": count},
                "link": link,
            }
        )
    if largest:
        samples = sorted({largest, max(1, largest // 2), min(count for *_p, count in routes)})
        panel.legend = [
            {"width": round(narrow + (wide - narrow) * count / largest, 1), "label": str(count)}
            for count in samples
        ]
