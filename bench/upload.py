"""Benchmark: bulk upload of a 10,000-line workbook (about 6,000 cases) and an
API batch of 1,000 cases (issue 5 targets).

Each step runs in a fresh process, so that its peak memory is its own:
- read: openpyxl's read-only reader alone over the same file (the bare parse);
- calamine: python-calamine (requirements-bench.txt) reading the same sheet, for
  comparison;
- check: the whole check and preview (file checks, parsing, case_validate for
  every case, the summary), as the worker runs it;
- import: the confirmed import (read and validate again, then one transaction);
- api: one POST of 1,000 cases to /api/v1/cases/batch/.

    createdb / psql -c "create database cen_upload_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_upload_bench \\
        .venv/bin/python bench/upload.py --runs 3
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
COMMODITIES = [("COCAINE", "KG"), ("CIGARETTES", "STICK"), ("CANNABIS_HERB", "KG"), ("IVORY", "KG")]


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cen_suite.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def _admin():
    from accounts.models import Administration, Region, Role, User

    administration, _created = Administration.objects.get_or_create(
        name="Bench Customs", defaults={"country": "NL", "region": Region.EUR}
    )
    user, _created = User.objects.get_or_create(
        email="bench-admin@customs.example.org",
        defaults={
            "full_name": "Bench admin",
            "administration": administration,
            "role": Role.NATIONAL_ADMIN,
        },
    )
    return user


def _reset():
    from seizures.models import Case, Upload

    user = _admin()
    Case.objects.filter(administration=user.administration).delete()
    Upload.objects.filter(administration=user.administration).delete()


def make_workbook(path: Path, lines: int) -> int:
    """The template filled with ``lines`` rows; two lines for two cases in three."""
    import io

    import openpyxl

    from seizures.imports.columns import CASE_SHEET_COLUMNS
    from seizures.imports.template import template_build

    book = openpyxl.load_workbook(io.BytesIO(template_build()))
    sheet = book.worksheets[0]
    position = {column.key: index + 1 for index, column in enumerate(CASE_SHEET_COLUMNS)}
    row, case = 2, 0
    while row - 2 < lines:
        case += 1
        count = 2 if case % 3 else 1
        for line in range(count):
            commodity, unit = COMMODITIES[(case + line) % len(COMMODITIES)]
            values = {
                "national_reference": f"BENCH-{case:06d}",
                "commodity_type": commodity,
                "quantity": round(1 + (case * 7 % 500) / 3, 3),
                "unit": unit,
            }
            if line == 0:
                values.update(
                    seizure_date="2026-03-14",
                    country="NL",
                    transport_mode="SEA_CONTAINER",
                    detection_method="RISK_PROFILING",
                    departure="CO",
                    destination="NL",
                    narrative="Hidden in a container of bananas",
                )
            for key, value in values.items():
                sheet.cell(row=row, column=position[key], value=value)
            row += 1
            if row - 2 >= lines:
                break
    book.save(path)
    return case


def step_read(path: Path) -> dict:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for _row in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return {"rows": rows}


def step_calamine(path: Path) -> dict:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    rows = sum(1 for _row in book.get_sheet_by_index(0).iter_rows())
    book.close()
    return {"rows": rows}


def step_check(path: Path) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from seizures.imports import service
    from seizures.models import Upload

    _reset()
    user = _admin()
    upload = Upload.objects.create(
        administration=user.administration,
        user=user,
        original_name="bench.xlsx",
        sha256="bench",
    )
    upload.file.save("bench.xlsx", SimpleUploadedFile("bench.xlsx", path.read_bytes()))
    start = time.perf_counter()
    service.upload_check(upload=upload)
    elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "status": upload.status,
        "summary_cases": upload.summary.get("cases_new"),
        "upload": upload.pk,
    }


def step_import(upload_id: int) -> dict:
    from seizures.imports import service
    from seizures.models import Upload, UploadStatus

    upload = Upload.objects.get(pk=upload_id)
    upload.status = UploadStatus.IMPORTING
    upload.save(update_fields=["status"])
    start = time.perf_counter()
    service.upload_import(upload=upload)
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "status": upload.status, "created": len(upload.result["created"])}


def step_api(cases: int) -> dict:
    from django.test import Client

    from accounts.services import api_key_create

    _reset()
    _key, secret = api_key_create(actor=_admin(), name="bench")
    body = {
        "cases": [
            {
                "national_reference": f"API-{number:06d}",
                "seizure_date": "2026-03-14",
                "country": "NL",
                "transport_mode": "AIR_CARGO",
                "detection_method": "INTELLIGENCE",
                "lines": [{"commodity_type": "COCAINE", "quantity": "2.5", "unit": "KG"}],
                "route": [{"kind": "departure", "country": "BR"}],
            }
            for number in range(cases)
        ]
    }
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Api-Key {secret}")
    payload = json.dumps(body)
    start = time.perf_counter()
    response = client.post("/api/v1/cases/batch/", payload, content_type="application/json")
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.content[:500]
    return {"seconds": elapsed, "created": len(response.json()["created"])}


def child(step: str, argument: str) -> None:
    _setup()
    start = time.perf_counter()
    if step == "read":
        result = step_read(Path(argument))
    elif step == "calamine":
        result = step_calamine(Path(argument))
    elif step == "check":
        result = step_check(Path(argument))
    elif step == "import":
        result = step_import(int(argument))
    else:
        result = step_api(int(argument))
    result.setdefault("seconds", time.perf_counter() - start)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run(step: str, argument) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", step, str(argument)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--api-cases", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    _setup()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.xlsx"
        cases = make_workbook(path, args.lines)
        print(f"workbook: {args.lines} lines, {cases} cases, {path.stat().st_size // 1024} KB")
        results = {"read": [], "calamine": [], "check": [], "import": [], "api": []}
        for number in range(args.runs):
            results["read"].append(run("read", path))
            results["calamine"].append(run("calamine", path))
            check = run("check", path)
            results["check"].append(check)
            results["import"].append(run("import", check["upload"]))
            results["api"].append(run("api", args.api_cases))
            print(f"run {number + 1}: " + json.dumps({k: v[-1] for k, v in results.items()}))
        medians = {}
        for step, values in results.items():
            medians[step] = _median([v["seconds"] for v in values])
            peak = max(v["peak_mb"] for v in values)
            print(f"{step:8s} median {medians[step]:6.2f} s   peak {peak:5.0f} MB")
        for step in ("check", "import"):
            for read in ("read", "calamine"):
                print(f"{step} / bare {read}: {medians[step] / medians[read]:.1f}×")


def _median(values: list[float]) -> float:
    return statistics.median(values)


if __name__ == "__main__":
    main()
