"""Benchmark: validate 100,000 cases in one bulk job (issue 20: ≤ 60 s, the
statistics summaries included).

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_bench DATABASE_POOL=0 \\
        .venv/bin/python bench/bulk_validate.py --cases 100000 --runs 3

Each run works on a copy of that database (``CREATE DATABASE … TEMPLATE``,
dropped at the end: the database itself is left as it was), as the job runs in
production: takes ``--cases`` validated cases, gives them to one
administration as submitted cases seized in its own country (a member reports
its own seizures), commits, then times ``bulk_action_run`` — the job's own
loop, batches of ``BATCH_SIZE`` through ``cases_workflow_apply``, each with its
history, audit rows and set-based statistics update, **each committed** with
the job's progress — and, before it, the bare ``UPDATE`` of the same cases'
status (rolled back). (Their old contribution stays in the summaries: the run
adds theirs again, which costs what adding new cases costs.)
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c"]


def child(count: int, batch: int) -> dict:
    import benchkit  # noqa: F401  (sets Django up)
    from django.db import connection, transaction

    from accounts.models import Role, User
    from seizures.models import BulkAction, BulkActionKind, Case, CaseStatus
    from seizures.services import bulk

    bulk.BATCH_SIZE = batch
    admin = User.objects.filter(role=Role.NATIONAL_ADMIN, is_active=True).first()
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
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE seizures_case")  # what autovacuum does after such a change
    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE seizures_case SET status = 'validated' WHERE id = ANY(%s)", [ids]
            )
        bare = time.perf_counter() - started
        transaction.set_rollback(True)
    job = BulkAction.objects.create(
        administration=admin.administration,
        user=admin,
        action=BulkActionKind.VALIDATE,
        case_ids=ids,
        cases_total=len(ids),
    )
    started = time.perf_counter()
    job = bulk.bulk_action_run(job=job)
    elapsed = time.perf_counter() - started
    assert job.status == "done" and job.cases_done == len(ids), (job.status, job.cases_done)
    assert Case.objects.filter(pk__in=ids, status=CaseStatus.VALIDATED).count() == len(ids)
    return {"bulk": elapsed, "bare": bare}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=None, help="cases per batch")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.cases, args.batch)))
        return
    source = urlsplit(os.environ["DATABASE_URL"])
    name, copy = source.path.lstrip("/"), f"{source.path.lstrip('/')}_bulk_run"
    if args.batch is None:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import benchkit  # noqa: F401

        from seizures.services import bulk

        args.batch = bulk.BATCH_SIZE
    results = []
    for number in range(1, args.runs + 1):
        subprocess.run([*PSQL, f"DROP DATABASE IF EXISTS {copy}"], check=True)
        subprocess.run([*PSQL, f"CREATE DATABASE {copy} TEMPLATE {name}"], check=True)
        try:
            command = [sys.executable, __file__, "--child", "--cases", str(args.cases)]
            output = subprocess.run(
                [*command, "--batch", str(args.batch)],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "DATABASE_URL": urlunsplit(source._replace(path=f"/{copy}"))},
            ).stdout
        finally:
            subprocess.run([*PSQL, f"DROP DATABASE IF EXISTS {copy}"], check=True)
        result = json.loads(output.strip().splitlines()[-1])
        load = os.getloadavg()[0]
        print(
            f"run {number} (load {load:.1f}): bulk validation {result['bulk']:.1f} s,"
            f" bare UPDATE {result['bare']:.2f} s",
            flush=True,
        )
        results.append(result)
    print(
        f"median of {args.runs}: bulk validation"
        f" {statistics.median(r['bulk'] for r in results):.1f} s, bare UPDATE"
        f" {statistics.median(r['bare'] for r in results):.2f} s"
        f" ({args.cases:,} cases, batches of {args.batch:,})"
    )


if __name__ == "__main__":
    main()
