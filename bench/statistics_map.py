"""Benchmark: the statistics world map and the annual summary, on PostgreSQL, on a
database made by `seed_demo --cases N` (which also fills the summaries).

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_map_bench \\
        .venv/bin/python -u bench/statistics_map.py --runs 5

Server-side times, each the median of --runs after one warm-up call: the map
panel's numbers and shapes for each view (no filter, then one commodity), the
annual summary's numbers, the whole annual summary page through Django's test
client, and the weight of the map's HTML on the statistics page (one <use> of the
static outline file per country; the file itself is loaded once and cached).
"""

import argparse
import gzip

from benchkit import logged_in_client, timed  # sets Django up, before the imports below

# isort: split
from django.conf import settings
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Role, User
from seizures.models import Case, CommodityArea, CommodityType
from seizures.statistics.annual import annual_summary, last_full_year
from seizures.statistics.geography import MAP_ROLES, map_panel, world_geometry


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    analyst = User.objects.filter(role=Role.ANALYST, is_active=True).first()
    cocaine = CommodityType.objects.get(code="COCAINE")
    print(f"{Case.objects.count():,} cases")
    world_geometry()
    for name, filters in [("no filter", {}), ("commodity cocaine", {"commodity_type": [cocaine]})]:
        print(f"\nmap panel, {name}")
        for role, _label in MAP_ROLES:
            milliseconds = timed(
                lambda role=role, filters=filters: map_panel(
                    user=analyst, filters=filters, query=QueryDict(), role=role
                ),
                args.runs,
                warm_up=True,
            )
            print(f"  {role:12} {milliseconds:8.0f} ms")

    panel = map_panel(user=analyst, filters={}, query=QueryDict(), role="reporting")
    html = render_to_string(
        "seizures/_statistics_map.html", {"panel": panel, "map_switch": [], "page_query": ""}
    )
    size, packed = len(html.encode()), len(gzip.compress(html.encode()))
    print(f"\nmap HTML: {size / 1024:.0f} KiB, {packed / 1024:.0f} KiB gzip")

    year = last_full_year()
    drugs = CommodityArea.objects.filter(types=cocaine).first()
    for name, area in [("all commodities", None), (str(drugs), drugs)]:
        milliseconds = timed(
            lambda area=area: annual_summary(user=analyst, year=year, area=area), args.runs
        )
        print(f"annual summary {year}, {name}: {milliseconds:.0f} ms")

    client = logged_in_client(analyst)
    url = reverse("seizures:statistics-annual")
    assert client.get(url).status_code == 200
    milliseconds = timed(lambda: client.get(url), args.runs, warm_up=True)
    print(f"annual summary page {year}: {milliseconds:.0f} ms")


if __name__ == "__main__":
    main()
