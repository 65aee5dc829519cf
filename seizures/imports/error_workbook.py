"""The user's own file back, with every bad cell highlighted and commented, so
that the clerk corrects the rows where they are and uploads again."""

import csv
from collections import defaultdict
from io import BytesIO
from pathlib import Path

from django.utils.translation import gettext as _

from cen_suite.spreadsheets import csv_delimiter, xlsx_workbook

from .columns import SHEET_CASES

FILL = "FFC7CE"


def _by_cell(errors: list[dict]) -> dict[tuple[str, int, int], list[str]]:
    cells = defaultdict(list)
    for error in errors:
        cells[(error["sheet"], error["row"], error["index"] or 0)].append(error["message"])
    return cells


def error_workbook_build(*, path: Path, kind: str, errors: list[dict]) -> bytes:
    if kind == "xlsx":
        return _annotate_xlsx(path, errors)
    return _csv_to_annotated_xlsx(path, errors)


def _annotate_xlsx(path: Path, errors: list[dict]) -> bytes:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    book = openpyxl.load_workbook(path)
    fill = PatternFill(start_color=FILL, end_color=FILL, fill_type="solid")
    for (sheet, row, index), messages in _by_cell(errors).items():
        if sheet not in book.sheetnames:
            continue
        cell = book[sheet].cell(row=row, column=index + 1)
        cell.fill = fill
        comment = Comment("\n".join(messages), "CEN")
        comment.width, comment.height = 320, 40 + 30 * len(messages)
        cell.comment = comment
    _errors_sheet(book.create_sheet(_("Errors")[:31]).append, errors)
    output = BytesIO()
    book.save(output)
    book.close()
    return output.getvalue()


def _csv_to_annotated_xlsx(path: Path, errors: list[dict]) -> bytes:
    output = BytesIO()
    book = xlsx_workbook(output)
    bad = book.add_format({"bg_color": "#" + FILL})
    sheet = book.add_worksheet(str(SHEET_CASES)[:31])
    cells = _by_cell(errors)
    name = str(SHEET_CASES)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        handle.seek(0)
        rows = csv.reader(handle, delimiter=csv_delimiter(first))
        for row_number, values in enumerate(rows, start=1):
            for index, value in enumerate(values):
                messages = cells.get((name, row_number, index))
                sheet.write_string(row_number - 1, index, value, bad if messages else None)
                if messages:
                    sheet.write_comment(row_number - 1, index, "\n".join(messages))
    for (sheet_name, row, index), messages in cells.items():
        if sheet_name == name and index == 0:
            sheet.write_comment(row - 1, 0, "\n".join(messages))
    errors_sheet = book.add_worksheet(_("Errors")[:31])
    row_index = [0]

    def append(values):
        errors_sheet.write_row(row_index[0], 0, values)
        row_index[0] += 1

    _errors_sheet(append, errors)
    book.close()
    return output.getvalue()


def _errors_sheet(append, errors: list[dict]) -> None:
    append([_("Sheet"), _("Row"), _("Column"), _("Error")])
    for error in errors:
        append([error["sheet"], error["row"], error["column"], error["message"]])
