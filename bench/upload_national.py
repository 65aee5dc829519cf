"""Benchmark: a national register of 16,807 rows through the bulk upload
(issue 20: check and preview ≤ 20 s, import ≤ 10 s).

The real national file is not public here, so ``make_workbook`` makes one
like it: one row
per commodity line, most cases with one line, some with two or three;
vocabulary values as English labels, dates as date cells, quantities as
numbers; a route on most cases (departure, sometimes transits, destination),
concealment methods and offence types on some, a narrative on some, and
offender profiles on the Offenders sheet for about a third of the cases.
The same seed gives the same file.

Each step runs in a fresh process; before each check the cases of the run
before are deleted (not timed), so every check finds the file's cases new:
- calamine: python-calamine reading every row of both sheets (the bare read);
- check: ``upload_check`` as the worker runs it (file checks, reading, parsing,
  the case validator for every case, the summary, the snapshot);
- preview: the upload's page that the uploader then opens (its summary, its
  questions, the first errors), through Django's test client;
- import: ``upload_import`` of the checked upload (one transaction).

By default (``--headers own``) the Cases sheet has the register's own headers
(Spanish) and its own spelling of some values ("MARIHUANA", "GRAMO",
"Airfrieght"), and the administration has a mapping profile for them, saved
before the first check: each check applies it, as the issue measures it
("with its mapping profile applied"). ``--headers template``: the template's
headers and English labels.

    psql -h 127.0.0.1 -U postgres -c "create database cen_upload_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_upload_bench \\
        DEBUG=1 .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_upload_bench \\
        .venv/bin/python bench/upload_national.py --runs 3

``--profile FILE`` writes a cProfile of the check and the import of the
first run (FILE.check, FILE.import) instead of nothing.
"""

import argparse
import datetime
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = 16_807
COUNTRY = "ES"
# (commodity, unit, weight, typical quantity)
COMMODITIES = [
    ("CANNABIS_HERB", "KG", 40, 25),
    ("COCAINE", "KG", 20, 8),
    ("METHAMPHETAMINE", "KG", 9, 3),
    ("HEROIN", "KG", 8, 2),
    ("CANNABIS_RESIN", "KG", 7, 30),
    ("MDMA", "TABLET", 5, 800),
    ("TRAMADOL", "TABLET", 4, 2000),
    ("FENTANYL", "G", 2, 50),
    ("KHAT", "KG", 3, 40),
    ("OTHER_DRUGS", "G", 2, 100),
]
TRANSPORT = {
    "AIR_PASSENGER": ("AIRPORT", 30),
    "AIR_CARGO": ("AIRPORT", 8),
    "SEA_CONTAINER": ("SEAPORT", 15),
    "ROAD_PASSENGER": ("LAND_BORDER", 20),
    "ROAD_CARGO": ("LAND_BORDER", 12),
    "POSTAL": ("POSTAL_COURIER_CENTRE", 10),
    "EXPRESS_COURIER": ("POSTAL_COURIER_CENTRE", 5),
}
DETECTION = ["RISK_PROFILING", "INTELLIGENCE", "ROUTINE_CONTROL", "DETECTOR_DOG", "TIP_OFF"]
CONCEALMENT = ["IN_LUGGAGE", "ON_BODY", "INTERNAL", "HIDDEN_COMPARTMENT", "MIXED_IN_CARGO"]
PLACES = ["Madrid", "Barcelona", "Algeciras", "Valencia", "Málaga", "Bilbao", "Irún", "La Línea"]
DEPARTURES = ["CO", "MA", "BR", "EC", "NL", "PE", "VE", "AR", "MX", "PA"]
TRANSITS = ["PT", "FR", "PA", "DO", "SN"]
DESTINATIONS = ["ES", "FR", "IT", "DE", "GB"]
NARRATIVES = [
    "Hidden in the lining of a suitcase",
    "Found in a container of bananas",
    "Concealed in the spare wheel",
    "Swallowed capsules, detected by scan",
    "Parcel declared as clothing",
]


# The register's own headers for the columns it fills (the Cases sheet), and its
# own spelling of some values: the check reads it through a mapping profile.
OWN_HEADERS = {
    "national_reference": "Nº de diligencias",
    "seizure_date": "Fecha",
    "country": "País",
    "place": "Localidad",
    "location_type": "Tipo de lugar",
    "direction": "Sentido",
    "transport_mode": "Medio de transporte",
    "detection_method": "Método de detección",
    "concealment_methods": "Ocultación",
    "offence_types": "Infracción",
    "departure": "Procedencia",
    "transit": "Tránsito",
    "destination": "Destino",
    "narrative": "Observaciones",
    "commodity_type": "Sustancia",
    "description": "Descripción",
    "quantity": "Cantidad",
    "unit": "Unidad",
    "estimated_value": "Valor estimado",
    "currency": "Moneda",
}
OWN_VALUES = {
    "commodity_type": {
        "CANNABIS_HERB": "MARIHUANA",
        "COCAINE": "COCAINA",
        "CANNABIS_RESIN": "HACHIS",
        "HEROIN": "HEROINA",
        "METHAMPHETAMINE": "METANFETAMINA",
    },
    "unit": {"KG": "KILOGRAMO", "G": "GRAMO", "TABLET": "PASTILLAS"},
    "transport_mode": {"AIR_CARGO": "Airfrieght", "ROAD_CARGO": "Camion"},
}


def _setup():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cen_suite.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def _labels() -> dict[tuple[str, str], str]:
    """(model name, code) → English label: the register names its values."""
    from seizures.models import (
        CommodityType,
        ConcealmentMethod,
        DetectionMethod,
        LocationType,
        OffenceType,
        TransportMode,
        Unit,
    )

    labels = {}
    for model in (
        CommodityType,
        ConcealmentMethod,
        DetectionMethod,
        LocationType,
        OffenceType,
        TransportMode,
        Unit,
    ):
        for code, label in model.objects.values_list("code", "label_en"):
            labels[model.__name__, code] = label or code
    return labels


def make_workbook(path: Path, rows: int, *, seed: int = 20, own: bool = True) -> dict:
    """The template filled with ``rows`` rows of the Cases sheet; returns counts.
    ``own``: the Cases sheet under the register's own headers, with only the
    columns it fills, and its own spelling of some values (OWN_VALUES)."""
    import io

    import openpyxl

    from seizures.imports.columns import CASE_SHEET_COLUMNS, OFFENDER_COLUMNS
    from seizures.imports.template import template_build

    random.seed(seed)
    labels = _labels()
    book = openpyxl.load_workbook(io.BytesIO(template_build()))
    cases_sheet, offenders_sheet = book.worksheets[0], book.worksheets[1]
    position = {column.key: index + 1 for index, column in enumerate(CASE_SHEET_COLUMNS)}
    if own:
        for model, spelling in (
            ("CommodityType", "commodity_type"),
            ("Unit", "unit"),
            ("TransportMode", "transport_mode"),
        ):
            for code, text in OWN_VALUES[spelling].items():
                labels[model, code] = text
        title = cases_sheet.title
        book.remove(cases_sheet)
        cases_sheet = book.create_sheet(title, 0)
        position = {key: index + 1 for index, key in enumerate(OWN_HEADERS)}
        for key, header in OWN_HEADERS.items():
            cases_sheet.cell(row=1, column=position[key], value=header)
    off_position = {column.key: index + 1 for index, column in enumerate(OFFENDER_COLUMNS)}
    weights = [weight for _c, _u, weight, _q in COMMODITIES]
    modes = list(TRANSPORT)
    mode_weights = [weight for _place, weight in TRANSPORT.values()]
    row, case, offender_row, offenders = 2, 0, 2, 0
    while row - 2 < rows:
        case += 1
        reference = f"ES-POL-{2019 + case % 6}-{case:06d}"
        count = random.choices([1, 2, 3], weights=[80, 15, 5])[0]
        mode = random.choices(modes, weights=mode_weights)[0]
        for line in range(count):
            commodity, unit, _weight, typical = random.choices(COMMODITIES, weights=weights)[0]
            quantity = round(random.uniform(0.05, 3) * typical, 3)
            values = {
                "national_reference": reference,
                "commodity_type": labels["CommodityType", commodity],
                "quantity": quantity,
                "unit": labels["Unit", unit],
            }
            if random.random() < 0.3:
                values["description"] = "Packages wrapped in plastic"
            if random.random() < 0.2:
                values["estimated_value"] = round(quantity * 35, 2)
                values["currency"] = "EUR"
            if line == 0:
                values.update(
                    seizure_date=datetime.date(2019, 1, 1)
                    + datetime.timedelta(days=random.randrange(2500)),
                    country=COUNTRY,
                    place=random.choice(PLACES),
                    location_type=labels["LocationType", TRANSPORT[mode][0]],
                    transport_mode=labels["TransportMode", mode],
                    detection_method=labels["DetectionMethod", random.choice(DETECTION)],
                )
                if random.random() < 0.6:
                    values["direction"] = "Import"
                if random.random() < 0.3:
                    methods = random.sample(CONCEALMENT, random.choice([1, 1, 2]))
                    values["concealment_methods"] = "; ".join(
                        labels["ConcealmentMethod", code] for code in methods
                    )
                if random.random() < 0.5:
                    values["offence_types"] = labels["OffenceType", "SMUGGLING"]
                if random.random() < 0.6:
                    values["departure"] = random.choice(DEPARTURES)
                    if random.random() < 0.25:
                        values["transit"] = "; ".join(
                            random.sample(TRANSITS, random.choice([1, 2]))
                        )
                if random.random() < 0.5:
                    values["destination"] = random.choice(DESTINATIONS)
                if random.random() < 0.4:
                    values["narrative"] = random.choice(NARRATIVES)
            for key, value in values.items():
                cases_sheet.cell(row=row, column=position[key], value=value)
            row += 1
            if row - 2 >= rows:
                break
        if random.random() < 0.35:
            for _number in range(random.choices([1, 2, 3], weights=[70, 20, 10])[0]):
                profile = {
                    "national_reference": reference,
                    "role": random.choice(["Courier", "Passenger", "Driver", "Recipient"]),
                    "nationality": random.choice([*DEPARTURES, "ES"]),
                    "gender": random.choice(["Male", "Female", "Male"]),
                }
                if random.random() < 0.5:
                    profile["birth_year"] = random.randrange(1960, 2005)
                for key, value in profile.items():
                    offenders_sheet.cell(row=offender_row, column=off_position[key], value=value)
                offender_row += 1
                offenders += 1
    book.save(path)
    return {"rows": rows, "cases": case, "offenders": offenders}


def _uploader():
    from accounts.models import Administration, Region, Role, User

    administration, _created = Administration.objects.get_or_create(
        country=COUNTRY,
        is_secretariat=False,
        defaults={"name": "Bench national", "region": Region.EUR},
    )
    user, _created = User.objects.get_or_create(
        email="bench-national@customs.example.org",
        defaults={
            "full_name": "Bench national admin",
            "administration": administration,
            "role": Role.NATIONAL_ADMIN,
        },
    )
    return user


def _profile(user) -> None:
    """The administration's mapping profile for the register's own headers."""
    from seizures.imports import mapping
    from seizures.imports.columns import normalise
    from seizures.models import MappingProfile

    MappingProfile.objects.filter(administration=user.administration).delete()
    mapping.mapping_profile_save(
        user=user,
        name="Registro nacional",
        headers=list(OWN_HEADERS.values()),
        columns=[{"key": key, "split": ""} for key in OWN_HEADERS],
        values={
            key: {normalise(text): code for code, text in spellings.items()}
            for key, spellings in OWN_VALUES.items()
        },
    )


def _reset(user) -> None:
    """No case of the run before: each check finds the file's cases new."""
    from seizures.models import Case, Upload

    Case.objects.filter(administration=user.administration).delete()
    Upload.objects.filter(administration=user.administration).delete()


def _profiled(function, profile: str | None):
    if not profile:
        start = time.perf_counter()
        function()
        return time.perf_counter() - start
    import cProfile

    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(function)
    elapsed = time.perf_counter() - start
    profiler.dump_stats(profile)
    return elapsed


def step_calamine(path: Path) -> dict:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    book = CalamineWorkbook.from_path(str(path))
    rows = 0
    for name in book.sheet_names[:2]:
        rows += sum(1 for _row in book.get_sheet_by_name(name).iter_rows())
    book.close()
    return {"seconds": time.perf_counter() - start, "rows": rows}


def step_check(path: Path, run: str, profile: str | None, own: bool) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from seizures.imports import service
    from seizures.models import Upload

    user = _uploader()
    _reset(user)
    if own:
        _profile(user)
    upload = Upload.objects.create(
        administration=user.administration, user=user, original_name="register.xlsx", sha256=run
    )
    upload.file.save("register.xlsx", SimpleUploadedFile("register.xlsx", path.read_bytes()))
    elapsed = _profiled(lambda: service.upload_check(upload=upload), profile)
    assert upload.status == "awaiting", (upload.status, upload.message, upload.errors[:5])
    assert own == (upload.profile_id is not None), upload.mapping
    return {
        "seconds": elapsed,
        "preview": _preview(user, upload),
        "cases": upload.summary["cases_new"],
        "upload": upload.pk,
    }


def _preview(user, upload) -> float:
    """The preview page the uploader then opens, through Django's test client."""
    from benchkit import logged_in_client
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    client = logged_in_client(user)
    start = time.perf_counter()
    page = reverse("seizures:upload-detail", args=[upload.pk])
    response = client.get(page, HTTP_HOST="localhost")
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    return elapsed


def step_import(upload_id: int, profile: str | None) -> dict:
    from seizures.imports import service
    from seizures.models import Upload, UploadStatus

    upload = Upload.objects.select_related("user", "administration").get(pk=upload_id)
    upload.status = UploadStatus.IMPORTING
    upload.save(update_fields=["status"])
    elapsed = _profiled(lambda: service.upload_import(upload=upload), profile)
    assert upload.status == "done", (upload.status, upload.message)
    return {"seconds": elapsed, "created": len(upload.result["created"])}


def child(step: str, argument: str, run: str, profile: str) -> None:
    _setup()
    profile = profile or None
    if step == "calamine":
        result = step_calamine(Path(argument))
    elif step == "check":
        result = step_check(Path(argument), run, profile, os.environ["BENCH_HEADERS"] == "own")
    else:
        result = step_import(int(argument), profile)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run(step: str, argument, number: str, profile: str = "", headers: str = "own") -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", step, str(argument), number, profile],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "LOG_LEVEL": "WARNING", "BENCH_HEADERS": headers},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--file", help="keep the workbook here (made once, then reused)")
    parser.add_argument("--profile", help="cProfile the first run's check and import")
    parser.add_argument(
        "--headers",
        choices=["own", "template"],
        default="own",
        help="own (default): the register's own headers and spellings, read through a"
        " mapping profile, as the issue measures it; template: the template's headers",
    )
    parser.add_argument("--child", nargs=4)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    _setup()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.file) if args.file else Path(folder) / "register.xlsx"
        if not path.exists():
            counts = make_workbook(path, args.rows, own=args.headers == "own")
            print(f"workbook: {json.dumps(counts)}, {path.stat().st_size // 1024} KB")
        tag = f"{os.getpid()}-{int(time.time())}"
        results = {"calamine": [], "check": [], "import": []}
        for number in range(args.runs):
            profile = args.profile if number == 0 and args.profile else ""
            results["calamine"].append(run("calamine", path, tag))
            check = run(
                "check", path, f"{tag}-{number}", profile and f"{profile}.check", args.headers
            )
            results["check"].append(check)
            results["import"].append(
                run("import", check["upload"], tag, profile and f"{profile}.import")
            )
            load = os.getloadavg()[0]
            print(
                f"run {number + 1} (load {load:.1f}): "
                + json.dumps({k: v[-1] for k, v in results.items()})
            )
        results["preview"] = [
            {"seconds": check["preview"], "peak_mb": check["peak_mb"]} for check in results["check"]
        ]
        results["check and preview"] = [
            {"seconds": check["seconds"] + check["preview"], "peak_mb": check["peak_mb"]}
            for check in results["check"]
        ]
        medians = {}
        for step, values in results.items():
            medians[step] = statistics.median(v["seconds"] for v in values)
            peak = max(v["peak_mb"] for v in values)
            runs = " · ".join(f"{v['seconds']:.2f}" for v in values)
            print(f"{step:17s} median {medians[step]:6.2f} s   ({runs})   peak {peak:5.0f} MB")
        for step in ("check and preview", "import"):
            print(f"{step} / bare calamine read: {medians[step] / medians['calamine']:.0f}×")


if __name__ == "__main__":
    main()
