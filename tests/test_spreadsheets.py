"""The shared spreadsheet module: safe writers and the guards of an upload."""

import ast
import csv
import datetime
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from cen_suite import spreadsheets
from cen_suite.spreadsheets import (
    CsvWriter,
    FileRefused,
    check_entities,
    check_size,
    check_zip,
    csv_delimiter,
    xlsx_workbook,
    xlsx_write,
)

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ["=1+1", "+33 1 23 45 67 89", "-5", "@SUM(A1)", "\t=1", "\r=1", "-1+2"]
URLS = ["https://evil.example/x", "mailto:someone@example.org", "ftp://example.org/f"]


def _cells(data) -> list:
    book = openpyxl.load_workbook(data)
    sheet = book.worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    book.close()
    return cells


def _write_all(book):
    sheet = book.add_worksheet("S")
    date = book.add_format({"num_format": spreadsheets.DATE_FORMAT})
    values = [*HOSTILE, *URLS, -5, Decimal("-2.500"), Decimal("7"), 3.5, True]
    values.append(datetime.date(2024, 2, 29))
    for row, value in enumerate(values):
        xlsx_write(sheet, row, 0, value, date_format=date)
        # The generic write() of XlsxWriter too: the workbook's options hold.
        sheet.write(row, 1, value if not isinstance(value, datetime.date) else None)
    book.close()
    return values


@pytest.mark.parametrize("streaming", [False, True])
def test_xlsx_text_stays_text_numbers_stay_numbers(tmp_path, streaming):
    if streaming:
        target = tmp_path / "out.xlsx"
        values = _write_all(xlsx_workbook(target, streaming=True))
        data = target
    else:
        target = io.BytesIO()
        values = _write_all(xlsx_workbook(target))
        data = io.BytesIO(target.getvalue())
    by_place = {(cell.row, cell.column): cell for cell in _cells(data)}
    for row, value in enumerate(values, start=1):
        for column in (1, 2):
            if column == 2 and isinstance(value, datetime.date):
                continue
            cell = by_place[(row, column)]
            assert cell.hyperlink is None
            if isinstance(value, str):
                # Written as a string: never a formula ("f"), never a number.
                assert cell.data_type == "s", (value, column)
                # (openpyxl leaves the carriage return in XML's escape, Excel reads it.)
                assert cell.value.replace("_x000D_", "\r") == value
            elif isinstance(value, bool):
                assert cell.value is True
            elif isinstance(value, datetime.date):
                assert cell.value == datetime.datetime(2024, 2, 29)  # noqa: DTZ001 (a naive Excel date)
                assert cell.number_format == "yyyy-mm-dd"
            else:
                assert cell.data_type == "n"
                assert cell.value == float(value)


def test_xlsx_in_memory_has_no_hyperlinks_part():
    output = io.BytesIO()
    book = xlsx_workbook(output)
    book.add_worksheet("S").write_row(0, 0, URLS)
    book.close()
    names = zipfile.ZipFile(io.BytesIO(output.getvalue())).namelist()
    assert not any("_rels/sheet1.xml.rels" in name for name in names)


def test_csv_guard_bom_and_types(tmp_path):
    path = tmp_path / "out.csv"
    writer = CsvWriter(path, ["Label", "Étiquette"])
    writer.write([*HOSTILE, *URLS])
    writer.write([-5, 5, -2.5, None, datetime.date(2024, 2, 29), "plain", "a,b"])
    writer.close()
    assert writer.rows == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs
    header, first, second = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert header == ["Label", "Étiquette"]
    assert first == ["'" + value for value in HOSTILE] + URLS
    # A negative number gets the apostrophe as the exports always wrote it.
    assert second == ["'-5", "5", "'-2.5", "", "2024-02-29", "plain", "a,b"]


def test_csv_writer_takes_its_own_text(tmp_path):
    path = tmp_path / "out.csv"
    writer = CsvWriter(path, ["h"], text=lambda value: f"<{value}>")
    writer.write([1, "=x"])
    writer.close()
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["h", "<1>,<=x>"]


def test_csv_delimiter():
    assert csv_delimiter("a;b;c,d\n") == ";"
    assert csv_delimiter("a,b;c\n") == ","
    assert csv_delimiter("abc\n") == ","


def _genuine() -> bytes:
    output = io.BytesIO()
    book = xlsx_workbook(output)
    book.add_worksheet("S").write_string(0, 0, "x")
    book.close()
    return output.getvalue()


def _zip(parts: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


BASE = {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}


def _file(tmp_path, data: bytes) -> Path:
    path = tmp_path / "up.xlsx"
    path.write_bytes(data)
    return path


def test_zip_guard_accepts_a_genuine_workbook(tmp_path):
    path = _file(tmp_path, _genuine())
    check_zip(path)
    check_entities(path)


@pytest.mark.parametrize(
    "parts",
    [
        # One part that inflates a thousandfold.
        {**BASE, "xl/worksheets/sheet1.xml": b"\0" * (60 * 1024 * 1024)},
        # Far more entries than any workbook has.
        {**BASE, **{f"xl/media/{index}.xml": "" for index in range(2001)}},
    ],
    ids=["ratio", "entries"],
)
def test_zip_guard_refuses_a_crafted_bomb(tmp_path, parts):
    with translation.override("en"), pytest.raises(FileRefused) as refused:
        check_zip(_file(tmp_path, _zip(parts)))
    assert refused.value.message == (
        "This file would expand to far more than its size (a “zip bomb”): it is refused."
    )


def test_zip_guard_refuses_on_the_total_declared_size(tmp_path, settings):
    settings.UPLOAD_MAX_UNZIPPED_BYTES = 1024 * 1024
    # Random-looking text: compresses little, so no single entry is suspicious.
    text = "".join(f"{index * 7919 % 10007:05d}" for index in range(300_000))
    with pytest.raises(FileRefused, match="zip bomb"):
        check_zip(_file(tmp_path, _zip({**BASE, "xl/sharedStrings.xml": text})))


@pytest.mark.parametrize(
    "data, message",
    [
        (b"PK\x03\x04 not a zip", "not a valid .xlsx"),
        (_zip({"xl/workbook.xml": "<workbook/>"}), "not a valid .xlsx"),
        (_zip({**BASE, "xl/vbaProject.bin": b"x"}), "Macro-enabled"),
        (_zip({**BASE, "[Content_Types].xml": "macroEnabled"}), "Macro-enabled"),
    ],
)
def test_zip_guard_refuses_what_is_no_workbook(tmp_path, data, message):
    with translation.override("en"), pytest.raises(FileRefused, match=message):
        check_zip(_file(tmp_path, data))


def test_entity_guard(tmp_path):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    path = _file(tmp_path, _zip({**BASE, "xl/worksheets/sheet1.xml": bomb}))
    with translation.override("en"), pytest.raises(FileRefused, match="entity bomb"):
        check_entities(path)


def test_size_guard(settings):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    check_size(1)
    with translation.override("en"), pytest.raises(FileRefused, match="larger than 2 MB"):
        check_size(settings.UPLOAD_MAX_BYTES + 1)
    with translation.override("en"), pytest.raises(FileRefused, match="empty"):
        check_size(0)


def test_message_is_translated():
    with translation.override("fr"), pytest.raises(FileRefused) as refused:
        check_size(0)
    assert refused.value.message != "The file is empty."


def test_the_module_imports_no_app():
    tree = ast.parse((ROOT / "cen_suite" / "spreadsheets.py").read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            modules.add(node.module.split(".")[0])
    assert modules <= {"csv", "datetime", "io", "zipfile", "decimal", "pathlib"} | {
        "xlsxwriter",
        "django",
    }


def test_every_workbook_is_opened_here():
    """No app opens XlsxWriter by itself (and forgets an option)."""
    offenders = []
    for folder in ("accounts", "seizures", "cen_suite"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "spreadsheets.py":
                continue
            if "xlsxwriter.Workbook(" in path.read_text():
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
