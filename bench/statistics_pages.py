"""Benchmark: the statistics and trends pages' server time (issue 6 targets; issue
11: ≤ 1.5 s on any filter) on PostgreSQL, on a database made by `seed_demo
--cases N` (which also fills the summaries; after migrating an older database,
run `rebuild_statistics`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_stats_bench \\
        .venv/bin/python -u bench/statistics_pages.py --runs 5 [--rebuild] \\
        [--trends-only | --direct-only]

Times are server-side: the whole page through Django's test client (every
panel's queries, labels, the template), logged in as an analyst. Each figure is
the median of --runs; the breakdown times each panel's numbers alone.
``--rebuild`` first times ``statistics_rebuild`` (once: it rewrites the tables).

``--direct-only``: the filters the summaries cannot answer (transport mode,
free text, quantities, part-month dates, combinations), each page beside its
bare query — the search's own count of the validated cases it matches
(``case_search(…).count()``), timed in the same run — and their ratio.
"""

import argparse
import statistics as statistics_module
import time
from functools import partial

from benchkit import logged_in_client, timed  # sets Django up, before the imports below

# isort: split
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from seizures.models import Case, CaseStatus, CommodityType, TransportMode
from seizures.search.forms import CaseSearchForm
from seizures.search.query import case_search
from seizures.statistics import queries
from seizures.statistics.summary import statistics_rebuild
from seizures.statistics.trends import Periods, last_full_month


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


def direct_scenarios() -> tuple[list, list]:
    """(statistics, trends) scenarios of filters the summaries cannot answer."""
    mode = TransportMode.objects.order_by("order").first().pk
    statistics = [
        ("transport mode", f"transport_mode={mode}"),
        ("free text, a word in 10 % of cases", "q=banana"),
        ("free text, a word in 20 % of cases", "q=spare"),
        ("free text, a rare word", "q=falcon"),
        ("quantity 10 to 100", "quantity_min=10&quantity_max=100"),
        ("quantity over 1,000", "quantity_min=1000"),
        ("part-month dates, 2024-01-15 to 2024-12-20", "date_from=2024-01-15&date_to=2024-12-20"),
        ("part-month dates, FR, from 2023-03-10", "country=FR&date_from=2023-03-10"),
        (
            "combined: transport, FR, text, part-month",
            f"transport_mode={mode}&country=FR&q=banana&date_from=2023-03-10",
        ),
    ]
    trends = [
        ("trends, transport mode", f"transport_mode={mode}"),
        ("trends, free text (10 %)", "q=banana"),
        ("trends, quantity over 1,000", "quantity_min=1000"),
        ("trends, combined: transport, FR, text", f"transport_mode={mode}&country=FR&q=banana"),
    ]
    return statistics, trends


def bare_count(analyst, query: str, *, trends: bool = False) -> int:
    """The bare query: the search's count of the validated cases it matches (for
    the trends, over their two periods)."""
    form = CaseSearchForm(QueryDict(query))
    assert form.is_valid(), form.errors
    filters = {**form.cleaned_data, "status": CaseStatus.VALIDATED}
    if trends:
        periods = Periods(end=last_full_month(timezone.localdate()), months=12)
        filters |= {"date_from": periods.previous[0], "date_to": periods.current[1]}
    return case_search(user=analyst, filters=filters).count()


def direct(client, analyst, runs: int) -> None:
    statistics, trends = direct_scenarios()
    print("\nfilters the summaries cannot answer: page, bare query, ratio (matching cases)")
    for url, scenarios, is_trends in [
        (reverse("seizures:statistics"), statistics, False),
        (reverse("seizures:statistics-trends"), trends, True),
    ]:
        for name, query in scenarios:
            assert client.get(f"{url}?{query}").status_code == 200
            page, bare = [], []
            for _ in range(runs):  # the page and its bare query side by side, each run
                page.append(timed(partial(client.get, f"{url}?{query}"), 1))
                bare.append(timed(partial(bare_count, analyst, query, trends=is_trends), 1))
            matching = bare_count(analyst, query, trends=is_trends)
            page_ms, bare_ms = statistics_module.median(page), statistics_module.median(bare)
            print(
                f"  {name:46} {page_ms:7.0f} ms  bare {bare_ms:6.0f} ms  "
                f"×{page_ms / bare_ms:5.1f}  ({matching:,} cases)"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--trends-only", action="store_true")
    parser.add_argument("--direct-only", action="store_true")
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
    if args.direct_only:
        direct(client, analyst, args.runs)
        return
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
