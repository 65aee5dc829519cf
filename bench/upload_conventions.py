"""Benchmark: the conventions pre-pass of a 16,807-row file (issue 20: it must
not add more than about a second to the check).

Times ``file_conventions`` over the rows of a file the size of the national
police register (a month-first date with a time, a quantity with thousands
commas, a value with a decimal comma), beside the bare pass that only collects
the same columns' values, in the same run. Two shapes: values repeated as in a
real register, and every value distinct (the worst case).

    .venv/bin/python bench/upload_conventions.py --runs 7
"""

import argparse
import random

import benchkit

from seizures.imports.columns import CASE_SHEET_COLUMNS
from seizures.imports.conventions import NUMBER_KINDS, file_conventions

ROWS = 16_807


def _rows(distinct: bool) -> list[dict]:
    chance = random.Random(7)
    rows = []
    for number in range(ROWS):
        day, month = chance.randint(1, 28), chance.randint(1, 12)
        if distinct:
            quantity, value = f"{number // 1000 + 1},{number % 1000:03d}", f"{number},{number % 97}"
        else:
            quantity = chance.choice(["16,780", "12", "1,234", "250", "3"])
            value = chance.choice(["1 250,50", "300", "12,5"])
        rows.append(
            {
                "national_reference": f"P-{number}",
                "seizure_date": f"{month:02d}/{day:02d}/2019 12:00:00 AM",
                "quantity": quantity,
                "estimated_value": value,
                "country": "FR",
            }
        )
    return rows


def _bare(rows):
    """The same columns' values collected, and nothing decided."""
    columns = [c for c in CASE_SHEET_COLUMNS if c.kind in (*NUMBER_KINDS, "date")]
    return [[row[c.key] for row in rows if c.key in row] for c in columns]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print("| values | rows | bare pass | conventions pre-pass | added |")
    print("|---|---|---|---|---|")
    for label, distinct in (("repeated", False), ("all distinct", True)):
        rows = _rows(distinct)
        bare = benchkit.timed(lambda rows=rows: _bare(rows), runs, warm_up=True)
        found = benchkit.timed(
            lambda rows=rows: file_conventions(CASE_SHEET_COLUMNS, rows), runs, warm_up=True
        )
        print(f"| {label} | {ROWS:,} | {bare:.1f} ms | {found:.1f} ms | {found - bare:.1f} ms |")


if __name__ == "__main__":
    main()
