"""Benchmark: validate 100,000 cases in one bulk job (issue 20: ≤ 60 s, the
statistics summaries included).

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_bench DATABASE_POOL=0 \\
        .venv/bin/python bench/bulk_validate.py --cases 100000 --runs 3

Each run, inside a transaction that is rolled back at the end (the database is
left as it was): takes ``--cases`` validated cases, gives them to one
administration as submitted cases seized in its own country (a member reports
its own seizures), then times the job's own loop — batches of ``BATCH_SIZE``
through ``cases_workflow_apply``, each with its history, audit rows and
set-based statistics update — and, beside it, the bare ``UPDATE`` of the same
cases' status. (Their old contribution stays in the summaries: the run adds
theirs again, which costs what adding new cases costs.)
"""

import argparse
import statistics
import time

import benchkit  # noqa: F401  (sets Django up)
from django.db import connection, transaction

from accounts.models import Role, User
from seizures.models import Case, CaseStatMonth, CaseStatus, DimensionStatMonth
from seizures.services import bulk


class Rollback(Exception):
    pass


def vacuum_summaries() -> None:
    """What autovacuum does between two real jobs: the rows a rolled-back run
    left dead would otherwise fill the room the next run updates in place."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (CaseStatMonth, DimensionStatMonth):
            cursor.execute(f"VACUUM {connection.ops.quote_name(model._meta.db_table)}")


def one_run(count: int) -> tuple[float, float]:
    vacuum_summaries()
    admin = User.objects.filter(role=Role.NATIONAL_ADMIN, is_active=True).first()
    timings = {}
    try:
        with transaction.atomic():
            ids = list(
                Case.objects.filter(status=CaseStatus.VALIDATED)
                .order_by("pk")
                .values_list("pk", flat=True)[:count]
            )
            Case.objects.filter(pk__in=ids).update(
                status=CaseStatus.SUBMITTED,
                administration=admin.administration,
                country=admin.administration.country.code,
            )
            with transaction.atomic():
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE seizures_case SET status = 'validated' WHERE id = ANY(%s)", [ids]
                    )
                timings["bare"] = time.perf_counter() - started
                transaction.set_rollback(True)
            started = time.perf_counter()
            for start in range(0, len(ids), bulk.BATCH_SIZE):
                bulk.cases_workflow_apply(
                    user=admin, case_ids=ids[start : start + bulk.BATCH_SIZE], action="validate"
                )
            timings["bulk"] = time.perf_counter() - started
            assert Case.objects.filter(pk__in=ids, status=CaseStatus.VALIDATED).count() == len(ids)
            raise Rollback
    except Rollback:
        pass
    return timings["bulk"], timings["bare"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=bulk.BATCH_SIZE, help="cases per batch")
    args = parser.parse_args()
    bulk.BATCH_SIZE = args.batch
    results = [one_run(args.cases) for _ in range(args.runs)]
    for number, (job, bare) in enumerate(results, 1):
        print(f"run {number}: bulk validation {job:.1f} s, bare UPDATE {bare:.2f} s")
    print(
        f"median of {args.runs}: bulk validation {statistics.median(r[0] for r in results):.1f} s"
        f", bare UPDATE {statistics.median(r[1] for r in results):.2f} s"
        f" ({args.cases:,} cases, batches of {args.batch:,})"
    )


if __name__ == "__main__":
    main()
