"""Benchmark: the statistics and trends pages' server time (issue 6 targets) on
PostgreSQL, on a database made by `seed_demo --cases N` (which also fills the
summaries; after migrating an older database, run `rebuild_statistics`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_stats_bench \\
        .venv/bin/python -u bench/statistics_pages.py --runs 5 [--rebuild]

Times are server-side: the whole page through Django's test client (every
panel's queries, labels, the template), logged in as an analyst. Each figure is
the median of --runs; the breakdown times each panel's numbers alone.
``--rebuild`` first times ``statistics_rebuild`` (once: it rewrites the tables).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cen_suite.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from accounts.services import SESSION_AUTH_TIME, SESSION_LAST_SEEN  # noqa: E402
from seizures.models import Case, CommodityType  # noqa: E402
from seizures.search.forms import CaseSearchForm  # noqa: E402
from seizures.statistics import queries  # noqa: E402
from seizures.statistics.summary import statistics_rebuild  # noqa: E402


def timed(function, runs):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=user).first().persistent_id
    now = time.time()
    session[SESSION_AUTH_TIME] = now
    session[SESSION_LAST_SEEN] = now
    session.save()
    return client


def panel_functions(analyst, filters) -> dict:
    return {
        "over time": lambda: queries.cases_by_month(user=analyst, filters=filters, stack="area"),
        "top reporting": lambda: queries.top_countries(user=analyst, filters=filters),
        "top departure": lambda: queries.top_countries(
            user=analyst, filters=filters, role="departure"
        ),
        "top routes": lambda: queries.top_routes(user=analyst, filters=filters),
        "detection per area": lambda: queries.methods_by_area(
            user=analyst, filters=filters, method="detection_method"
        ),
        "transport per area": lambda: queries.methods_by_area(
            user=analyst, filters=filters, method="transport_mode"
        ),
        "concealment per area": lambda: queries.methods_by_area(
            user=analyst, filters=filters, method="concealment"
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--trends-only", action="store_true")
    args = parser.parse_args()
    if args.rebuild:
        started = time.perf_counter()
        counted = statistics_rebuild()
        print(f"rebuild_statistics: {time.perf_counter() - started:.1f} s ({counted:,} cases)")
    settings.ALLOWED_HOSTS = ["*"]
    analyst = User.objects.filter(role=Role.ANALYST, is_active=True).first()
    client = logged_in_client(analyst)
    cocaine = CommodityType.objects.get(code="COCAINE")
    url = reverse("seizures:statistics")
    print(f"{Case.objects.count():,} cases")
    scenarios = [
        ("no filter", ""),
        ("country of seizure FR", "country=FR"),
        ("region (summary rows of its countries)", "region=EUR"),
        ("commodity cocaine", f"commodity_type={cocaine.pk}"),
        (
            "cocaine, 2024 (whole months)",
            f"commodity_type={cocaine.pk}&date_from=2024-01-01&date_to=2024-12-31",
        ),
        ("FR, quantities in kg, by commodity", "country=FR&measure=mass_kg&stack=type"),
        ("transport mode (direct count)", "transport_mode=1"),
    ]
    for name, query in [] if args.trends_only else scenarios:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200, response.status_code
        page = timed(lambda query=query: client.get(f"{url}?{query}"), args.runs)
        print(f"\n{name}: whole page {page:.0f} ms")
        form = CaseSearchForm(QueryDict(query))
        assert form.is_valid(), form.errors
        filters = form.cleaned_data
        for panel, function in panel_functions(analyst, filters).items():
            print(f"  {panel:22} {timed(function, args.runs):8.0f} ms")

    trends = reverse("seizures:statistics-trends")
    for name, query in [
        ("trends, no filter, last 12 months", ""),
        ("trends, country FR", "country=FR"),
        (
            "trends, cocaine, 6 months to 2024-12",
            f"commodity_type={cocaine.pk}&end=2024-12&months=6",
        ),
        ("trends, transport mode (direct count)", "transport_mode=1"),
    ]:
        response = client.get(f"{trends}?{query}")
        assert response.status_code == 200, response.status_code
        rows = response.content.decode().count("<tr data-kind=")
        page = timed(lambda query=query: client.get(f"{trends}?{query}"), args.runs)
        print(f"\n{name}: whole page {page:.0f} ms ({rows} rows shown)")


if __name__ == "__main__":
    main()
