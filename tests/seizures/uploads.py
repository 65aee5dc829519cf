"""Helpers for the bulk-upload tests: a template filled by openpyxl, as a clerk would."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from seizures.imports.columns import CASE_SHEET_COLUMNS, OFFENDER_COLUMNS
from seizures.imports.template import template_build

CASE_ROW = {
    "national_reference": "FR-1",
    "seizure_date": "2026-03-14",
    "country": "FR",
    "transport_mode": "AIR_PASSENGER",
    "detection_method": "DETECTOR_DOG",
    "commodity_type": "COCAINE",
    "quantity": "12,5",
    "unit": "KG",
}


def filled_template(rows, offenders=(), language="en") -> bytes:
    """The template in ``language``, its Cases rows filled from dicts keyed by column key."""
    with translation.override(language):
        book = openpyxl.load_workbook(io.BytesIO(template_build()))
        cases, offender_sheet = book.worksheets[0], book.worksheets[1]
        positions = {column.key: index + 1 for index, column in enumerate(CASE_SHEET_COLUMNS)}
        for row_number, row in enumerate(rows, start=2):
            for key, value in row.items():
                cases.cell(row=row_number, column=positions[key], value=value)
        off_positions = {column.key: index + 1 for index, column in enumerate(OFFENDER_COLUMNS)}
        for row_number, row in enumerate(offenders, start=2):
            for key, value in row.items():
                offender_sheet.cell(row=row_number, column=off_positions[key], value=value)
        out = io.BytesIO()
        book.save(out)
    return out.getvalue()


def as_file(content: bytes, name="cases.xlsx"):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def case_rows(count, lines_per_case=1, prefix="FR"):
    rows = []
    for number in range(count):
        for line in range(lines_per_case):
            row = {"national_reference": f"{prefix}-{number}", "commodity_type": "COCAINE"}
            row.update({"quantity": f"{line + 1},5", "unit": "KG"})
            if line == 0:
                row.update({k: v for k, v in CASE_ROW.items() if k not in row})
            rows.append(row)
    return rows
