"""Spreadsheets written and read the same way everywhere; no model, no app.

Writing: ``xlsx_workbook`` opens every XlsxWriter workbook of the project with
the same safe options — strings are never turned into formulas, hyperlinks or
numbers — in memory (a small download) or streaming to a file in constant
memory (an export). ``xlsx_write`` writes one typed value (text as text,
numbers as numbers, dates with ``DATE_FORMAT``). ``CsvWriter`` streams rows to a
UTF-8 file with a byte-order mark (which Excel needs to read accents); CSV has
no types, so text that a spreadsheet could take for a formula
(``is_formula_like``) gets a leading apostrophe.

Reading: the guards an uploaded file passes before any cell is read —
``check_size``, ``check_zip`` (the zip directory: entries, declared sizes and
ratios, before a byte is inflated; macros) and ``check_entities`` (XML entity
declarations) — each raising ``FileRefused`` with a message in the user's
language; ``csv_delimiter`` for a CSV written with Excel's French or Spanish
settings.
"""

import csv
import datetime
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.utils.translation import gettext as _

# A cell starting with one of these is a formula to Excel or LibreOffice (the
# tab and carriage return hide one): written as text, never evaluated.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Entries of a genuine workbook; a zip with far more is not one we made or Excel did.
MAX_ZIP_ENTRIES = 2000
# Text compresses well, but not a thousandfold.
MAX_ZIP_RATIO = 200


# --- Writing ---------------------------------------------------------------------------


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def xlsx_workbook(target=None, *, streaming: bool = False) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook with the project's options: into ``target`` (a
    path, or a binary stream such as ``io.BytesIO``) — in memory, or, with
    ``streaming``, row by row to disk in constant memory (rows must then be
    written in order)."""
    if isinstance(target, Path):
        target = str(target)
    options = {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    if streaming:
        options["constant_memory"] = True
    else:
        options["in_memory"] = True
    return xlsxwriter.Workbook(target, options)


def xlsx_write(sheet, row: int, col: int, value, *, date_format=None, text_format=None) -> None:
    """One value in its own type: text as text (a formula-like text too), a bool,
    a number (a whole Decimal as an integer), a date with ``date_format``; an
    empty value leaves the cell empty; anything else (a lazy translation, a
    Country…) as its text."""
    if value is None or value == "":
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value, text_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, int(value) if value == value.to_integral() else value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, col, value, date_format)
    else:
        sheet.write_string(row, col, str(value), text_format)


def csv_text(value) -> str:
    """A value as CSV text: empty for None, ISO for a date, and a leading
    apostrophe (the usual defence, CSV having no types) for anything whose
    text a spreadsheet would take for a formula — a negative number included,
    as the exports have always written it."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if is_formula_like(text) else text


class CsvWriter:
    """Rows streamed to ``path`` as UTF-8 with a byte-order mark; each value
    goes through ``text`` (``csv_text`` unless told otherwise)."""

    def __init__(self, path, header: list, *, text=csv_text):
        self.file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 (close())
        self.csv = csv.writer(self.file)
        self.text = text
        self.csv.writerow([str(label) for label in header])
        self.rows = 0

    def write(self, row: list) -> None:
        text = self.text
        self.csv.writerow([text(value) for value in row])
        self.rows += 1

    def close(self) -> None:
        self.file.close()


def csv_delimiter(first_line: str) -> str:
    """Comma, or semicolon where Excel's regional settings write one."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


# --- Reading: the guards of an uploaded file ---------------------------------------------


class FileRefused(Exception):
    """The whole file is refused; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_size(size: int) -> None:
    if size > settings.UPLOAD_MAX_BYTES:
        raise FileRefused(
            _("The file is larger than %(limit)s MB.")
            % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise FileRefused(_("The file is empty."))


def check_zip(path: Path | io.IOBase) -> None:
    """The zip directory of an .xlsx, before anything is inflated: the parts of
    a workbook, no macros, and no entry (nor the whole) that would expand to
    far more than its size."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileRefused(_("This file is not a valid .xlsx workbook.")) from None
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRefused(_("This file is not a valid .xlsx workbook."))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRefused(_("Macro-enabled workbooks are refused: save the file as .xlsx."))
    total = sum(entry.file_size for entry in entries)
    suspicious = any(
        entry.file_size > 1024 * 1024
        and entry.file_size > MAX_ZIP_RATIO * max(entry.compress_size, 1)
        for entry in entries
    )
    if len(entries) > MAX_ZIP_ENTRIES or total > settings.UPLOAD_MAX_UNZIPPED_BYTES or suspicious:
        raise FileRefused(
            _("This file would expand to far more than its size (a “zip bomb”): it is refused.")
        )
    with zipfile.ZipFile(path) as archive:
        content_types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in content_types:
        raise FileRefused(_("Macro-enabled workbooks are refused: save the file as .xlsx."))


def check_entities(path: Path) -> None:
    """No part of a workbook declares XML entities; one that does is a bomb.
    (Read as a stream: the zip directory's sizes were checked already.)"""
    with zipfile.ZipFile(path) as archive:
        for entry in archive.infolist():
            if not entry.filename.endswith((".xml", ".rels")):
                continue
            tail = b""
            with archive.open(entry) as stream:
                while chunk := stream.read(1 << 20):
                    if b"<!ENTITY" in tail + chunk:
                        raise FileRefused(
                            _(
                                "The workbook declares XML entities (an “entity bomb”): "
                                "it is refused."
                            )
                        )
                    tail = chunk[-16:]
