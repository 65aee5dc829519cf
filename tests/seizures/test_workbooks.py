"""Every workbook the app writes keeps a user's text as text (the shared options)."""

import io

import openpyxl

from seizures.imports.error_workbook import error_workbook_build

HOSTILE = ["=1+1", "+33 1 23 45 67 89", "-5", "https://evil.example/x", "@SUM(A1)"]


def test_error_workbook_of_a_csv_keeps_hostile_text_as_text(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("a,b,c,d,e\n" + ",".join(HOSTILE) + "\n", encoding="utf-8-sig")
    errors = [
        {"sheet": "Cases", "row": 2, "index": 0, "column": "a", "message": value}
        for value in HOSTILE
    ]
    book = openpyxl.load_workbook(
        io.BytesIO(error_workbook_build(path=path, kind="csv", errors=errors))
    )
    cases, listed = book.worksheets
    cells = [cases.cell(2, column) for column in range(1, 6)]
    assert [cell.value for cell in cells] == HOSTILE
    assert {cell.data_type for cell in cells} == {"s"}
    messages = [listed.cell(row, 4) for row in range(2, 2 + len(HOSTILE))]
    assert [cell.value for cell in messages] == HOSTILE
    assert {cell.data_type for cell in messages} == {"s"}
    assert all(cell.hyperlink is None for cell in [*cells, *messages])
