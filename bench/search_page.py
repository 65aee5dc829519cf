"""Benchmark: the whole search page and its filter form (issue 11, "speed left on
the table"), on PostgreSQL, on a database made by `seed_demo --cases N`.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_bench DATABASE_POOL=0 \\
        .venv/bin/python -u bench/search_page.py --runs 7 [--production]

``--production``: with DEBUG off, as deployed (DEBUG=1 keeps every query's SQL
in memory and templates are not cached); SECRET_KEY and ALLOWED_HOSTS are set
for the run if the environment has none, the requests are HTTPS. The static
files are named as collectstatic's manifest does when STATIC_ROOT holds one,
else from their source folders (a dictionary lookup either way).

Server time through Django's test client, logged in as an analyst (session,
second factor, the view, its template, the audit row). Beside each page, in the
same loop so that both meet the same load, the bare work the view asks of the
database: the search's first page with its rows' lines, legs and photos, then
the count and the facets (one statement for a small result, the bounded count
and a sample's facets for a large one). Then the filter form alone: as drawn now, and as
it was drawn before (crispy's templates per field, Django's template per
option, the vocabularies read for every form). And the pages' weights.

Everything runs in one transaction, rolled back at the end: the session and the
searches' audit rows leave nothing behind in a shared benchmark database.
"""

import argparse
import gzip
import os
import statistics
import sys
import time
from pathlib import Path

if "--production" in sys.argv:  # before Django reads its settings
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")

from benchkit import logged_in_client  # sets Django up, before the imports below

# isort: split
from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import transaction
from django.http import QueryDict
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django_countries import countries

from accounts.models import Role, User
from seizures.models import Case, CommodityType
from seizures.search.facets import counted_facets
from seizures.search.forms import CaseSearchForm, QuickSelect
from seizures.search.pagination import keyset_page
from seizures.search.query import SORT_FIELDS, case_search
from seizures.search.rows import ROW_FIELDS, row_values
from seizures.statistics.geography import map_panel
from seizures.statistics.panels import PanelRequest, statistics_panels

CRISPY_FIELDS = Template(
    "{% load crispy_forms_tags %}{% for field in form %}{{ field|as_crispy_field }}{% endfor %}"
)


def medians(functions: dict, runs: int) -> dict[str, tuple[float, float]]:
    """Each function's median time in ms, wall clock and this process's CPU (the
    Python side alone, which the other processes' load barely changes), the
    functions taking turns in every run after one warm-up call each, so that
    they share the machine's load."""
    timings = {name: ([], []) for name in functions}
    for function in functions.values():
        function()
    for _ in range(runs):
        for name, function in functions.items():
            wall, cpu = time.perf_counter(), time.process_time()
            function()
            timings[name][0].append((time.perf_counter() - wall) * 1000)
            timings[name][1].append((time.process_time() - cpu) * 1000)
    return {
        name: (statistics.median(walls), statistics.median(cpus))
        for name, (walls, cpus) in timings.items()
    }


def bare_queries(user, query: str) -> None:
    """What the search view asks of the database, without a form, page or template."""
    form = CaseSearchForm(QueryDict(query))
    assert form.is_valid(), form.errors
    cases = case_search(user=user, filters=form.cleaned_data)
    rows, _token = keyset_page(
        cases.select_related(None).only(*ROW_FIELDS), order=SORT_FIELDS["-date"], after=None
    )
    row_values([row.pk for row in rows])
    counted_facets(cases)


def bare_statistics(user) -> None:
    """The statistics page's numbers with no filter: every panel and the map."""
    statistics_panels(PanelRequest(user=user, filters={}, query=QueryDict()))
    map_panel(user=user, filters={}, query=QueryDict(), role="reporting")


def form_now(query: str) -> str:
    form = CaseSearchForm(QueryDict(query))
    form.is_valid()
    return render_to_string("seizures/_more_filters.html", {"form": form})


def form_before(query: str) -> str:
    """The form as drawn before: Django's own selects (a template per option) fed by
    the vocabularies' querysets and the countries sorted for each form, each
    field through crispy's templates."""
    form = CaseSearchForm(QueryDict(query))
    form.bound_field_class = forms.BoundField
    for name, field in form.fields.items():
        if isinstance(field.widget, QuickSelect):
            plain = forms.SelectMultiple if field.widget.allow_multiple_selected else forms.Select
            field.widget = plain()
            if hasattr(field, "queryset"):
                field.widget.choices = field.choices  # read from the database on render
            elif name in ("country", "route_country", "departure", "destination"):
                listed = list(countries)
                field.choices = listed if name == "country" else [("", "—"), *listed]
                field.widget.choices = field.choices
            else:
                field.widget.choices = field.choices
    form.is_valid()
    return CRISPY_FIELDS.render(Context({"form": form}))


def weight(content: bytes) -> str:
    return f"{len(content) / 1024:.0f} KiB ({len(gzip.compress(content)) / 1024:.0f} KiB gzip)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--production", action="store_true", help="DEBUG off, as deployed")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not settings.DEBUG and not manifest.exists():
        # No collectstatic run: the static files' names from their source folders.
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    print(f"DEBUG={'1' if settings.DEBUG else '0'}", end=", ")
    with transaction.atomic():
        measure(args.runs)
        transaction.set_rollback(True)


def measure(runs: int) -> None:
    analyst = User.objects.filter(role=Role.ANALYST, is_active=True).first()
    client = logged_in_client(analyst)

    def get(url: str):
        return client.get(url, secure=True)  # as behind the TLS proxy (production redirects)

    cocaine = CommodityType.objects.get(code="COCAINE").pk
    search = reverse("seizures:case-search")
    print(f"{Case.objects.count():,} cases, median of {runs} runs")
    scenarios = {
        "no filter": "",
        "filtered (country + commodity + dates)": (
            f"country=FR&commodity_type={cocaine}&date_from=2024-01-01&date_to=2026-12-31"
        ),
    }
    for name, query in scenarios.items():
        assert get(f"{search}?{query}").status_code == 200
        times = medians(
            {
                "page": lambda query=query: get(f"{search}?{query}"),
                "bare": lambda query=query: bare_queries(analyst, query),
            },
            runs,
        )
        (page, page_cpu), (bare, bare_cpu) = times["page"], times["bare"]
        print(f"\nsearch page, {name}: {page:.0f} ms, bare queries {bare:.0f} ms", end="")
        print(f" ({page / bare:.2f} ×)")
        print(f"  CPU of this process: page {page_cpu:.0f} ms, bare queries {bare_cpu:.0f} ms")

    times = medians(
        {"now": lambda: form_now("country=FR"), "before": lambda: form_before("country=FR")},
        runs,
    )
    (now, now_cpu), (before, before_cpu) = times["now"], times["before"]
    print(f"\nfilter form (More filters): now {now:.1f} ms, before {before:.1f} ms", end="")
    print(f" ({before / now:.0f} ×); CPU now {now_cpu:.1f} ms, before {before_cpu:.1f} ms")

    statistics_page = reverse("seizures:statistics")
    times = medians(
        {"page": lambda: get(statistics_page), "bare": lambda: bare_statistics(analyst)},
        runs,
    )
    (page, page_cpu), (bare, bare_cpu) = times["page"], times["bare"]
    print(f"\nstatistics page, no filter: {page:.0f} ms, its panels' numbers {bare:.0f} ms", end="")
    print(f" ({page / bare:.2f} ×); CPU page {page_cpu:.0f} ms, numbers {bare_cpu:.0f} ms")
    print(f"\nsearch page: {weight(get(search).content)}")
    print(f"statistics page: {weight(get(statistics_page).content)}")
    outlines = Path(finders.find("vendor/natural-earth/world-map.svg")).read_bytes()
    print(f"map outlines, a static file loaded once: {weight(outlines)}")


if __name__ == "__main__":
    main()
