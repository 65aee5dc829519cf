"""Benchmark: exporting commodity lines to .xlsx (issue 4 targets).

Three exporters, each in a fresh process so that its peak memory is its own,
side by side on the same rows:
- cen: this project's export (server-side cursor + openpyxl write-only);
- import-export: django-import-export's xlsx export of the same rows (the common approach);
- raw: this project's writer alone (XlsxWriter in constant-memory mode) with
  the same number of rows and columns, no database (the limit).

    pip install -r requirements-bench.txt
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_bench_search \\
        .venv/bin/python bench/export.py --runs 3
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cen_suite.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def run_cen(folder: Path, lines: int) -> int:
    from django.http import QueryDict

    from accounts.models import Role, User
    from seizures.exports import XlsxExport, columns_for, export_rows
    from seizures.search.forms import CaseSearchForm
    from seizures.search.query import case_search

    user = User.objects.filter(role=Role.ANALYST).first()
    form = CaseSearchForm(QueryDict(_query()))
    form.is_valid()
    cases = case_search(user=user, filters=form.cleaned_data)
    columns = columns_for(layout="line", columns="summary")
    writer = XlsxExport(folder / "cen.xlsx", columns, "Cases")
    for row in export_rows(cases, layout="line", columns=columns):
        writer.write(row)
        if writer.rows >= lines:
            break
    writer.finish([("Rows", writer.rows)])
    return writer.rows


def run_import_export(folder: Path, lines: int) -> int:
    from import_export import fields, resources

    from seizures.models import CommodityLine

    class LineResource(resources.ModelResource):
        reference = fields.Field(attribute="case__reference", column_name="CEN reference")
        seizure_date = fields.Field(attribute="case__seizure_date", column_name="Date")
        administration = fields.Field(attribute="case__administration__name")
        country = fields.Field(attribute="case__country")
        transport_mode = fields.Field(attribute="case__transport_mode__label")
        detection_method = fields.Field(attribute="case__detection_method__label")
        commodity = fields.Field(attribute="commodity_type__label")
        area = fields.Field(attribute="commodity_type__area__label")
        unit = fields.Field(attribute="unit__label")

        class Meta:
            model = CommodityLine
            fields = ("hs_code", "quantity", "normalised_quantity", "estimated_value", "currency")

    ids = list(_line_ids(lines))
    queryset = CommodityLine.objects.filter(pk__in=ids).select_related(
        "case__administration",
        "case__transport_mode",
        "case__detection_method",
        "commodity_type__area",
        "unit",
    )
    dataset = LineResource().export(queryset)
    (folder / "import-export.xlsx").write_bytes(dataset.export("xlsx"))
    return len(dataset)


def run_raw(folder: Path, lines: int) -> int:
    """The writer this project uses (XlsxWriter, constant memory), alone:
    the same number of rows and columns of the same types, no database."""
    import datetime

    from seizures.exports import XlsxExport, columns_for

    row = [
        "CEN-2026-FR-000001",
        "FR-DOU-2026-0001",  # the national reference (the exporter's own cases)
        datetime.date(2026, 3, 14),
        "French Customs",
        "France",
        "Europe",
        "Sea container",
        "Detector dog",
        "In luggage",
        "EC › FR",
        "Validated",
        "Drugs",
        "Cocaine",
        "293972",
        12.5,
        "kilogram (kg)",
        12.5,
        "kg",
        1000,
        "EUR",
    ]
    columns = columns_for(layout="line", columns="summary")
    assert len(columns) == len(row)
    writer = XlsxExport(folder / "raw.xlsx", columns, "Cases")
    for _ in range(lines):
        writer.write(row)
    writer.finish([("Rows", writer.rows)])
    return lines


def _query() -> str:
    from accounts.models import Administration

    france = Administration.objects.get(country="FR")
    return f"administration={france.pk}&sort=-date"


def _line_ids(lines: int):
    from seizures.models import CommodityLine
    from seizures.selectors import published_case_list

    cases = published_case_list().filter(administration__country="FR").values("pk")
    return CommodityLine.objects.filter(case__in=cases).values_list("pk", flat=True)[:lines]


def child(mode: str, lines: int) -> None:
    _setup()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        rows = {"cen": run_cen, "import-export": run_import_export, "raw": run_raw}[mode](
            Path(folder), lines
        )
        elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": elapsed, "peak_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["cen", "import-export", "raw"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.lines)
        return
    results = {}
    for mode in ("cen", "import-export", "raw"):
        runs = []
        for _ in range(args.runs):
            output = (
                subprocess.run(
                    [sys.executable, __file__, "--child", mode, "--lines", str(args.lines)],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=os.environ,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            runs.append(json.loads(output))
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = statistics.median(r["peak_mb"] for r in runs)
        rows = runs[0]["rows"]
        results[mode] = rows / seconds
        rate = rows / seconds
        print(
            f"{mode:14} {rows:,} rows  {seconds:6.1f} s  {rate:9,.0f} rows/s  peak {peak:4.0f} MB"
        )
    ratio = results["cen"] / results["import-export"]
    print(f"\ncen / import-export: {ratio:.2f}x the rows per second")
    print(f"cen / raw writer:    {results['cen'] / results['raw']:.2f}x")


if __name__ == "__main__":
    main()
