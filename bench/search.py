"""Benchmark: the case search, its facets, deep pages and similar photos on
PostgreSQL (issue 4 targets), on a database made by `seed_demo --cases N`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_bench_search \\
        .venv/bin/python bench/search.py --runs 5 --plans docs/search-plans.txt

Times are server-side: building the queryset, running it and reading the rows,
as the view does (no HTTP, no template). Each figure is the median of --runs.
"""

import argparse
import random
from pathlib import Path

from benchkit import timed  # sets Django up, before the imports below

# isort: split
from django.db import connection
from django.db.models.functions import ExtractYear
from django.http import QueryDict

from accounts.models import Role, User
from seizures.models import Case, CommodityType, Photo
from seizures.rawsql import queryset_sql
from seizures.search import facets
from seizures.search.facets import case_facets
from seizures.search.forms import CaseSearchForm
from seizures.search.pagination import bounded_count, keyset_page
from seizures.search.photos import similar_photos
from seizures.search.query import SORT_FIELDS, case_search
from seizures.selectors import photo_list

RARE_WORD = "zanzibarite"


def search(user, query):
    form = CaseSearchForm(QueryDict(query))
    assert form.is_valid(), form.errors
    return case_search(user=user, filters=form.cleaned_data)


def first_page(user, query, after=None):
    cases = search(user, query)
    rows, token = keyset_page(cases, order=SORT_FIELDS["-date"], after=after)
    return rows, token


def page_with_count_and_facets(user, query):
    cases = search(user, query)
    keyset_page(cases, order=SORT_FIELDS["-date"], after=None)
    _total, more = bounded_count(cases)
    return case_facets(cases, large=more).estimated


def prepare(photos: int):
    """A rare word on a few cases, and photo rows with hashes for 'similar'."""
    rng = random.Random(1)
    if not Case.objects.filter(search_text__contains=RARE_WORD).exists():
        ids = list(
            Case.objects.filter(status="validated").values_list("pk", flat=True)[:50_000:2500]
        )
        Case.objects.filter(pk__in=ids).update(search_text=f"Stones of {RARE_WORD} found")
    missing = photos - Photo.objects.count()
    if missing > 0:
        case_ids = list(
            Case.objects.filter(status="validated").values_list("pk", flat=True)[:missing]
        )
        uploader = User.objects.filter(role=Role.OFFICER).first()
        Photo.objects.bulk_create(
            [
                Photo(
                    case_id=case_id,
                    image="photos/bench.jpg",
                    sha256="",
                    phash=rng.getrandbits(64) - (1 << 63),
                    uploaded_by=uploader,
                )
                for case_id in case_ids
            ],
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--plans", default="")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "run it on PostgreSQL (DATABASE_URL)"
    prepare(args.photos)

    user = User.objects.filter(role=Role.ANALYST).first()
    cocaine = CommodityType.objects.get(code="COCAINE").pk
    filtered = f"country=FR&commodity_type={cocaine}&date_from=2024-01-01&date_to=2026-12-31"
    scenarios = {
        "filtered (country + commodity + dates), page 1": filtered,
        f"free text, rare word ({RARE_WORD})": f"q={RARE_WORD}",
        "free text, common word (in)": "q=in",
        "free text + filters": f"q=banana&{filtered}",
    }
    total = Case.objects.count()
    print(f"{total:,} cases, {Photo.objects.count():,} photos, median of {args.runs} runs\n")
    for label, query in scenarios.items():
        first_page(user, query)  # warm the cache
        ms = timed(lambda query=query: first_page(user, query), args.runs)
        print(f"{label:55} {ms:8.1f} ms")
    for label, query in scenarios.items():
        label = f"{label.replace(', page 1', '')} + facets"
        estimated = page_with_count_and_facets(user, query)
        ms = timed(lambda query=query: page_with_count_and_facets(user, query), args.runs)
        print(f"{label:55} {ms:8.1f} ms{' (facets estimated)' if estimated else ''}")
    estimated = page_with_count_and_facets(user, "")
    ms = timed(lambda: page_with_count_and_facets(user, ""), args.runs)
    label = "no filter + count + facets"
    print(f"{label:55} {ms:8.1f} ms{' (facets estimated)' if estimated else ''}")

    token = None
    for _ in range(199):
        _rows, token = first_page(user, "", after=token)
    page_1 = timed(lambda: first_page(user, ""), args.runs)
    page_200 = timed(lambda: first_page(user, "", after=token), args.runs)
    print(f"{'broad search, page 1':55} {page_1:8.1f} ms")
    print(f"{'broad search, page 200 (keyset)':55} {page_200:8.1f} ms ({page_200 / page_1:.2f}x)")

    photo = Photo.objects.exclude(phash__isnull=True).first()
    candidates = photo_list(user=user)
    ms = timed(lambda: similar_photos(photo=photo, candidates=candidates), args.runs)
    print(f"{'similar photos over all photos':55} {ms:8.1f} ms")

    if args.plans:
        lines = []
        for label, query in scenarios.items():
            cases = search(user, query).order_by(*SORT_FIELDS["-date"])[:51]
            select = queryset_sql(cases)
            if select is None:  # no case can match: no statement, no plan
                lines.append(f"== {label}\n(no case can match: no query)\n")
                continue
            sql, params = select
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            lines.append(f"== {label}\n{plan}\n")
        for label, query in [("facets, no filter", ""), ("facets, filtered", filtered)]:
            result = (
                search(user, query)
                .order_by()
                .annotate(year=ExtractYear("seizure_date"))
                .values(
                    "country", "transport_mode_id", "detection_method_id", "year", "commodity_types"
                )
            )
            select = queryset_sql(result)
            if select is None:
                lines.append(f"== {label}\n(no case can match: no query)\n")
                continue
            sql, params = select
            with connection.cursor() as cursor:
                cursor.execute(
                    f"EXPLAIN (ANALYZE, BUFFERS) {facets._POSTGRES_FACETS.format(result=sql)}",
                    params,
                )
                plan = "\n".join(row[0] for row in cursor.fetchall())
            lines.append(f"== {label}\n{plan}\n")
        Path(args.plans).write_text("\n".join(lines))
        print(f"\nquery plans written to {args.plans}")


if __name__ == "__main__":
    main()
