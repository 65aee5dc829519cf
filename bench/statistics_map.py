"""Benchmark: the statistics world map and the annual summary, on PostgreSQL, on a
database made by `seed_demo --cases N` (which also fills the summaries).

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_map_bench \\
        .venv/bin/python -u bench/statistics_map.py --runs 5

Server-side times, each the median of --runs after one warm-up call: the map
panel's numbers and shapes for each view (no filter, then one commodity), the
annual summary's numbers, the whole annual summary page through Django's test
client, and the weight of the map's HTML (the inline SVG) on the statistics page.
"""

import argparse
import gzip
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This folder holds a statistics.py of its own: keep it from hiding the stdlib's.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cen_suite.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from statistics import median  # noqa: E402

from django.conf import settings  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from accounts.services import SESSION_AUTH_TIME, SESSION_LAST_SEEN  # noqa: E402
from seizures.models import Case, CommodityArea, CommodityType  # noqa: E402
from seizures.statistics.annual import annual_summary, last_full_year  # noqa: E402
from seizures.statistics.geography import MAP_ROLES, map_panel, world_geometry  # noqa: E402


def timed(function, runs: int) -> float:
    function()  # warm-up: caches, the geometry file, the planner
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return median(timings)


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

    client = Client()
    client.force_login(analyst)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=analyst).first().persistent_id
    session[SESSION_AUTH_TIME] = session[SESSION_LAST_SEEN] = time.time()
    session.save()
    url = reverse("seizures:statistics-annual")
    assert client.get(url).status_code == 200
    print(f"annual summary page {year}: {timed(lambda: client.get(url), args.runs):.0f} ms")


if __name__ == "__main__":
    main()
