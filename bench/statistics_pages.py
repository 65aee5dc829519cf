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
import time

from benchkit import logged_in_client, timed  # sets Django up, before the imports below

# isort: split
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse

from accounts.models import Role, User
from seizures.models import Case, CommodityType
from seizures.search.forms import CaseSearchForm
from seizures.statistics import queries
from seizures.statistics.summary import statistics_rebuild


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
