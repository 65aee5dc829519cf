"""Benchmark: how long `seed_demo --cases N` takes on PostgreSQL.

Target (issue 3): 1,000,000 cases in under 15 minutes on this machine.

    .venv/bin/python bench/seed_cases.py --cases 1000000 --runs 3

Each run uses a fresh database (dropped and recreated, then migrated), so that
runs do not influence each other. Prints each run's time and the median.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default="cen_bench_seed")
    args = parser.parse_args()

    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
    }
    timings = []
    for run in range(1, args.runs + 1):
        psql(f"DROP DATABASE IF EXISTS {args.database}")
        psql(f"CREATE DATABASE {args.database}")
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        started = time.monotonic()
        subprocess.run(
            [PYTHON, "manage.py", "seed_demo", "--cases", str(args.cases), "--seed", str(run)],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        elapsed = time.monotonic() - started
        timings.append(elapsed)
        rate = args.cases / elapsed
        print(f"run {run}: {args.cases} cases in {elapsed:.1f} s ({rate:,.0f} cases/s)")
    print(f"median: {statistics.median(timings):.1f} s")
    psql(f"DROP DATABASE IF EXISTS {args.database}")


if __name__ == "__main__":
    main()
