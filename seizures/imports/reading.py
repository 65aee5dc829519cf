"""Opening an uploaded file safely, and reading its rows.

Every check that can refuse a whole file runs before any row is parsed: size,
the zip directory (a zip bomb is refused on the sizes it declares, before any
byte is inflated), macros, XML entity declarations (entity bombs), then the
sheets. python-calamine reads the cells (cached values, never formulas
evaluated), ten times faster than openpyxl or more; openpyxl in read-only mode
with ``data_only`` (and defusedxml) reads what calamine cannot: a workbook it
fails to open, or a sheet whose header is not in its first row from column A.
"""

import csv
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from cen_suite.spreadsheets import FileRefused, check_entities, check_size, check_zip, csv_delimiter

from .columns import (
    CASE_SHEET_COLUMNS,
    OFFENDER_COLUMNS,
    SHEET_CASES,
    SHEET_OFFENDERS,
    Column,
    in_every_language,
    normalise,
)


class NeedsMapping(FileRefused):
    """The Cases sheet's headers are not the template's (``headers``, with the
    first rows in ``samples``), or some of its values match no entry
    (``questions``; ``template`` when its headers are the template's own): the
    uploader maps them (mapping.py). Where no one can, it is
    a refusal like any other, with the same message."""

    def __init__(self, message: str, *, headers=None, samples=(), questions=None, template=False):
        super().__init__(message)
        self.headers, self.samples, self.questions = headers, list(samples), questions
        # The headers are the template's own: only values are asked about.
        self.template = template
        # The headers are those of the Offenders sheet (of a file whose Cases sheet
        # is mapped).
        self.offenders = False


# The first cell of a summary row ("TOTAL", 12, 345.6…), in the six languages and
# the spellings met in real files: left out of the cases, with a note.
SUMMARY_ROW_WORDS = frozenset(
    {
        "total",
        "totals",
        "total general",
        "grand total",
        "totales",
        "total geral",
        "totaux",
        "итого",
        "всего",
        "المجموع",
        "الإجمالي",
        "الاجمالي",
        "المجموع الكلي",
    }
)
_SUMMARY_FIRST_LETTERS = frozenset(word[0] for word in SUMMARY_ROW_WORDS)


@dataclass
class Sheet:
    """A sheet's header and rows: ``rows`` yields (row number, {column key: value}).
    ``columns``: the template columns it gives; ``positions``: the position of the
    file's column each comes from (two template columns may come from one file
    column, a "City, Country" cell). ``left_out``: the summary rows met so far,
    {"sheet", "row", "text"}."""

    name: str
    columns: list[Column]
    positions: dict[str, int]
    rows: Iterator[tuple[int, dict]]
    missing: list[Column] = field(default_factory=list)
    left_out: list[dict] = field(default_factory=list)
    # The mapping its rows are read through (mapping.ColumnMap), if any.
    column_map: object | None = None


def file_kind(name: str, head: bytes) -> str:
    """ "xlsx" or "csv", from the content, not only the name."""
    lower = name.lower()
    if lower.endswith((".xlsm", ".xltm", ".xlsb")):
        raise FileRefused(_("Macro-enabled workbooks are refused: save the file as .xlsx."))
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if lower.endswith(".xls") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            _("Old Excel files (.xls) are not accepted: save the file as .xlsx or CSV.")
        )
    if lower.endswith((".csv", ".txt")):
        return "csv"
    raise FileRefused(_("This is not an Excel workbook (.xlsx) or a CSV file."))


def _merged_message(sheet_name: str, merged: list[str]) -> FileRefused:
    return FileRefused(
        _("The sheet “%(sheet)s” has merged cells (%(cells)s): unmerge them.")
        % {"sheet": sheet_name, "cells": ", ".join(merged[:5])}
    )


def _merged_ranges(path: Path, sheet_xml: str) -> list[str]:
    """The merged cells of a sheet, read from its XML as a stream (read-only
    openpyxl does not report them)."""
    found, tail = [], b""
    with zipfile.ZipFile(path) as archive, archive.open(sheet_xml) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            found += re.findall(rb'<(?:\w+:)?mergeCell ref="([A-Z]+\d+:[A-Z]+\d+)"', data)
            tail = data[-200:]
    return sorted({ref.decode() for ref in found})


def header_texts(values) -> list[str]:
    """The header row as text, without its trailing empty cells."""
    texts = ["" if value is None else str(value).strip() for value in values]
    while texts and not texts[-1]:
        texts.pop()
    return texts


def _header(values: list, columns: list[Column], sheet_name: str, raw, column_map):
    """The sheet's columns by position, and the column map they are read through:
    the upload's map if it fits these headers, else the template's own names (read
    through the upload's answers about values, if it has a map). A Cases sheet
    with other headers (``column_map`` is not False) needs a mapping."""
    if column_map:
        headers = header_texts(values)
        if column_map.fits(headers):
            return column_map.by_position(), column_map
    try:
        found = _match_header(values, columns, sheet_name)
    except NeedsMapping as needed:
        if column_map is False:
            raise FileRefused(needed.message) from None
        needed.headers = header_texts(values)
        try:
            needed.samples = [list(row) for row in itertools.islice(raw, 5)]
        except Exception:
            needed.samples = []  # the rows' own faults are told once they are mapped
        raise
    if column_map:
        return found, column_map.for_template(found, header_texts(values))
    return found, None


def _match_header(values: list, columns: list[Column], sheet_name: str) -> list[tuple[int, Column]]:
    by_text = {}
    for column in columns:
        by_text[normalise(column.key)] = column
        for text in in_every_language(column.label):
            by_text.setdefault(text, column)
    found, unknown = {}, []
    for index, value in enumerate(values):
        if value is None or str(value).strip() == "":
            continue
        column = by_text.get(normalise(value))
        if column is None:
            unknown.append(str(value).strip())
        elif column in found.values():
            raise FileRefused(
                _("The sheet “%(sheet)s” has the column “%(column)s” twice.")
                % {"sheet": sheet_name, "column": value}
            )
        else:
            found[index] = column
    missing = [column for column in columns if column.required and column not in found.values()]
    if unknown or missing:
        problems = []
        if missing:
            problems.append(
                _("missing columns: %(columns)s")
                % {"columns": ", ".join(f"“{column.label}”" for column in missing)}
            )
        if unknown:
            problems.append(
                _("columns not in the template (renamed?): %(columns)s")
                % {"columns": ", ".join(f"“{name}”" for name in unknown)}
            )
        raise NeedsMapping(
            _("The sheet “%(sheet)s” does not have the template's columns: %(problems)s.")
            % {"sheet": sheet_name, "problems": "; ".join(problems)}
        )
    return list(found.items())


def refusal_for(error: Exception) -> FileRefused:
    """The message for a workbook that openpyxl (with defusedxml) could not read."""
    from defusedxml import DefusedXmlException

    while error is not None:
        if isinstance(error, DefusedXmlException):
            return FileRefused(
                _("The workbook declares XML entities (an “entity bomb”): it is refused.")
            )
        error = error.__cause__ or error.__context__
    return FileRefused(_("This file is not a valid .xlsx workbook."))


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _summary_text(values) -> str | None:
    """The first cell of a summary row ("TOTAL"…), None for any other row."""
    for value in values:
        if _is_blank(value):
            continue
        # The first letter first: this runs on every row of every file.
        if (
            isinstance(value, str)
            and len(value) < 30
            and (value.lstrip()[:1].casefold() in _SUMMARY_FIRST_LETTERS)
        ):
            text = normalise(value).rstrip(":").strip()
            if text in SUMMARY_ROW_WORDS:
                return value.strip()
        return None
    return None


def _rows(raw_rows, sheet: Sheet, limit: int) -> Iterator[tuple[int, dict]]:
    """Non-blank rows as {key: value}; blank rows (trailing ones too) are skipped,
    and so are summary rows, noted in ``sheet.left_out``."""
    seen = 0
    columns = [(sheet.positions[column.key], column) for column in sheet.columns]
    read = sheet.column_map.reader() if sheet.column_map else None
    for number, values in raw_rows:
        if read is not None:
            row = read(values)
        else:
            row = {
                column.key: values[index]
                for index, column in columns
                if index < len(values) and not _is_blank(values[index])
            }
        if not row:
            continue
        summary = _summary_text(values)
        if summary is not None:
            sheet.left_out.append({"sheet": sheet.name, "row": number, "text": summary})
            continue
        seen += 1
        if seen > limit:
            raise FileRefused(
                _("The file has more than %(limit)s rows: split it into smaller files.")
                % {"limit": limit}
            )
        yield number, row


@dataclass
class Workbook:
    cases: Sheet
    offenders: Sheet | None
    close: callable


def _find_sheet(names: list[str], title) -> str | None:
    wanted = in_every_language(title)
    for name in names:
        if normalise(name) in wanted:
            return name
    return None


class _NotForCalamine(Exception):
    """A workbook that openpyxl reads instead."""


def open_xlsx(path: Path, column_map=None, offenders_map=None) -> Workbook:
    check_entities(path)
    try:
        return _open_with_calamine(path, column_map, offenders_map)
    except _NotForCalamine:
        return _open_with_openpyxl(path, column_map, offenders_map)


def _open_with_calamine(path: Path, column_map=None, offenders_map=None) -> Workbook:
    from openpyxl.utils import get_column_letter
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception:
        raise _NotForCalamine from None
    names = book.sheet_names
    limit = settings.UPLOAD_MAX_ROWS

    def cell(row: int, column: int) -> str:
        return f"{get_column_letter(column + 1)}{row + 1}"

    def sheet(name, columns, column_map) -> Sheet:
        try:
            worksheet = book.get_sheet_by_name(name)
        except Exception:
            raise _NotForCalamine from None
        merged = sorted(
            f"{cell(*start)}:{cell(*end)}" for start, end in worksheet.merged_cell_ranges or []
        )
        if merged:
            raise _merged_message(name, merged)
        if worksheet.start is None:
            raise FileRefused(_("The sheet “%(sheet)s” is empty.") % {"sheet": name})
        if worksheet.start != (0, 0):
            # calamine's rows then start where the data starts: let openpyxl number them.
            raise _NotForCalamine
        raw = iter(worksheet.iter_rows())
        found, used = _header(list(next(raw)), columns, name, raw, column_map)
        return _sheet(name, found, used, enumerate(raw, start=2), limit)

    return _workbook(
        names, sheet, close=book.close, column_map=column_map, offenders_map=offenders_map
    )


def _sheet(name: str, columns, column_map, raw_rows, limit: int) -> Sheet:
    """``columns``: [(position, template column)], a position given twice when one
    column of the file gives two template columns."""
    positions = {column.key: index for index, column in columns}
    sheet = Sheet(name, [column for _index, column in columns], positions, iter(()))
    sheet.column_map = column_map
    sheet.rows = _rows(raw_rows, sheet, limit)
    return sheet


def _workbook(names: list[str], sheet, *, close, column_map, offenders_map=None) -> Workbook:
    """The Cases sheet (by name, else the first) and the Offenders sheet if any,
    each read by ``sheet(name, columns, column_map)``; ``close`` the book if
    either fails. The Offenders sheet of a file whose Cases sheet has its own
    headers may have its own too, read through ``offenders_map``; any other
    is the template's."""
    cases_name = _find_sheet(names, SHEET_CASES) or names[0]
    offenders_name = _find_sheet(names, SHEET_OFFENDERS)
    try:
        cases = sheet(cases_name, CASE_SHEET_COLUMNS, column_map)
        offenders = None
        if offenders_name:
            own = cases.column_map is not None and not cases.column_map.template
            try:
                offenders = sheet(offenders_name, OFFENDER_COLUMNS, offenders_map if own else False)
            except NeedsMapping as needed:
                needed.offenders = True
                raise
        return Workbook(cases=cases, offenders=offenders, close=close)
    except Exception:
        close()
        raise


def _open_with_openpyxl(path: Path, column_map=None, offenders_map=None) -> Workbook:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise refusal_for(error) from None
    names = book.sheetnames
    limit = settings.UPLOAD_MAX_ROWS

    def sheet(name, columns, column_map) -> Sheet:
        worksheet = book[name]
        xml_path = getattr(worksheet, "_worksheet_path", None)
        merged = _merged_ranges(path, xml_path.lstrip("/")) if xml_path else []
        if merged:
            raise _merged_message(name, merged)
        raw = worksheet.iter_rows(values_only=True)
        header = next(raw, None)
        if header is None:
            raise FileRefused(_("The sheet “%(sheet)s” is empty.") % {"sheet": name})
        found, used = _header(list(header), columns, name, raw, column_map)
        return _sheet(name, found, used, enumerate(raw, start=2), limit)

    return _workbook(
        names, sheet, close=book.close, column_map=column_map, offenders_map=offenders_map
    )


def open_csv(path: Path, column_map=None) -> Workbook:
    """UTF-8 with or without BOM, comma- or semicolon-separated (as Excel writes
    it in French or Spanish settings); the columns of the Cases sheet."""
    handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed by Workbook)
    try:
        first = handle.readline()
        handle.seek(0)
    except UnicodeDecodeError:
        handle.close()
        raise FileRefused(_("The CSV file is not in UTF-8: save it as “CSV UTF-8”.")) from None
    reader = csv.reader(handle, delimiter=csv_delimiter(first))

    def raw_rows():
        try:
            yield from enumerate(reader, start=2)
        except UnicodeDecodeError:
            raise FileRefused(_("The CSV file is not in UTF-8: save it as “CSV UTF-8”.")) from None
        except csv.Error as error:
            if "field limit" in str(error):
                raise FileRefused(
                    _("A cell of the CSV file is longer than %(limit)s KB: shorten it.")
                    % {"limit": csv.field_size_limit() // 1024}
                ) from None
            raise FileRefused(_("The CSV file cannot be read: check its quotes.")) from None

    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error):
        handle.close()
        raise FileRefused(_("The CSV file is not in UTF-8: save it as “CSV UTF-8”.")) from None
    if not header:
        handle.close()
        raise FileRefused(_("The file is empty."))
    name = str(SHEET_CASES)
    try:
        found, used = _header(header, CASE_SHEET_COLUMNS, name, reader, column_map)
    except FileRefused:
        handle.close()
        raise
    sheet = _sheet(name, found, used, raw_rows(), settings.UPLOAD_MAX_ROWS)
    return Workbook(cases=sheet, offenders=None, close=handle.close)


def open_upload(path: Path, name: str, column_map=None, offenders_map=None) -> tuple[str, Workbook]:
    """Check the file and open it for reading: (kind, workbook). Raises FileRefused,
    or NeedsMapping when the Cases sheet's headers are neither the template's nor
    those ``column_map`` (a mapping.ColumnMap) is for, or those of the Offenders
    sheet of a file with its own headers neither the template's nor those of
    ``offenders_map``."""
    size = path.stat().st_size
    check_size(size)
    with open(path, "rb") as handle:
        head = handle.read(8)
    kind = file_kind(name, head)
    if kind == "xlsx":
        check_zip(path)
        return kind, open_xlsx(path, column_map, offenders_map)
    return kind, open_csv(path, column_map)
