"""Benchmark: what reading a file through a mapping profile costs (issue 20).

The same 16,807 lines twice, as CSV: once with a national register's own
headers and values ("Fecha", "Sustancia"…, "MARIHUANA", "GRAMO", "Airfrieght",
a "Roissy, Francia" cell, an extra column) read through the column and value
map a profile holds; and, as the bare baseline, the very values the map makes
of them ("CANNABIS_HERB", "G", "AIR_CARGO", "Francia"; "Cocaína" and
"Pasajeros aéreos" stay labels) under the template's headers, so that the
difference is the mapping's own cost. Each run reads
and parses the whole file (reading.open_upload + parsing.parse_workbook, the
part of the check the mapping touches; the validation after it is the same
for both) and, for the mapped file, asks value_questions (none are left); the
two alternate in one process so that the ratio holds on a busy machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a migrated db> \\
        .venv/bin/python bench/upload_mapping.py --lines 16807 --runs 5
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import benchkit  # noqa: F401  (sets Django up)

from seizures.imports import mapping
from seizures.imports.columns import Vocabularies
from seizures.imports.parsing import parse_workbook
from seizures.imports.reading import open_upload

TEMPLATE_HEADERS = [
    "National reference",
    "Date of seizure",
    "Country of seizure",
    "Transport mode",
    "Detection method",
    "Commodity",
    "Quantity",
    "Unit",
]
OWN_HEADERS = [
    "Referencia",
    "Fecha",
    "Ciudad y país",
    "Medio",
    "Método de detección",
    "Sustancia",
    "Cantidad",
    "Unidad",
    "Observaciones",
]
# (template codes, the register's own spelling of the same values)
KINDS = [
    (("AIR_CARGO", "CANNABIS_HERB", "G"), ("Airfrieght", "MARIHUANA", "GRAMO")),
    (("Pasajeros aéreos", "Cocaína", "kg"), ("Pasajeros aéreos", "Cocaína", "kg")),
    (("ROAD_CARGO", "CANNABIS_RESIN", "KG"), ("Camion", "HACHIS", "KILOGRAMO")),
]
COLUMNS = [
    {"key": "national_reference", "split": ""},
    {"key": "seizure_date", "split": ""},
    {"key": "country", "split": "last"},
    {"key": "transport_mode", "split": ""},
    {"key": "detection_method", "split": ""},
    {"key": "commodity_type", "split": ""},
    {"key": "quantity", "split": ""},
    {"key": "unit", "split": ""},
    {"key": "", "split": ""},
]
VALUES = {
    "transport_mode": {"airfrieght": "AIR_CARGO", "camion": "ROAD_CARGO"},
    "commodity_type": {"marihuana": "CANNABIS_HERB", "hachis": "CANNABIS_RESIN"},
    "unit": {"gramo": "G", "kilogramo": "KG"},
}


def write_files(folder: Path, lines: int) -> tuple[Path, Path]:
    template, own = [",".join(TEMPLATE_HEADERS)], [",".join(OWN_HEADERS)]
    for number in range(lines):
        (mode, commodity, unit), (own_mode, own_commodity, own_unit) = KINDS[number % 3]
        reference, quantity = f"PN-{number:06d}", f"{1 + number % 500}.5"
        template.append(
            f"{reference},2026-03-14,Francia,{mode},Perro detector,{commodity},{quantity},{unit}"
        )
        own.append(
            f'{reference},2026-03-14,"Roissy, Francia",{own_mode},Perro detector,'
            f"{own_commodity},{quantity},{own_unit},sin novedad"
        )
    paths = folder / "template.csv", folder / "own.csv"
    for path, rows in zip(paths, (template, own), strict=True):
        path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    return paths


def read(path: Path, column_map=None) -> tuple[float, int]:
    started = time.perf_counter()
    _kind, workbook = open_upload(path, path.name, column_map)
    vocabularies = Vocabularies()
    try:
        parsed = parse_workbook(workbook, vocabularies)
    finally:
        workbook.close()
    if column_map is not None:
        assert mapping.value_questions(column_map, vocabularies) == {}
    errors = len(parsed.errors) + sum(len(group.errors) for group in parsed.cases.values())
    assert errors == 0, errors
    return time.perf_counter() - started, parsed.rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=16807)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        template, own = write_files(Path(folder), options.lines)
        headers = OWN_HEADERS
        profile = {
            "signature": mapping.headers_signature(headers),
            "columns": COLUMNS,
            "values": VALUES,
        }
        bare, mapped = [], []
        read(template)  # warm-up: vocabularies, translations, country names
        for _run in range(options.runs):
            seconds, rows = read(template)
            bare.append(seconds)
            seconds, mapped_rows = read(own, mapping.ColumnMap.from_mapping(profile))
            mapped.append(seconds)
            assert rows == mapped_rows == options.lines
    bare_s, mapped_s = statistics.median(bare), statistics.median(mapped)
    print(f"lines: {options.lines}, runs: {options.runs} (median)")
    print(f"template headers, mapped values (bare): {bare_s:.2f} s")
    print(f"own headers through a profile:          {mapped_s:.2f} s")
    print(f"ratio: {mapped_s / bare_s:.2f}")


if __name__ == "__main__":
    main()
