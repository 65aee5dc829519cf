"""Search results to .xlsx or .csv, in constant memory.

Rows come from ``case_search`` (the very query of the search page) through a
server-side cursor, and are written by openpyxl's write-only workbook or the csv
module as they arrive. Text that a spreadsheet could take for a formula is
always written as text.
"""

import csv
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .models import Case, CommodityLine, Dimension, ExportColumns, ExportLayout

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def _label(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


@dataclass(frozen=True)
class Column:
    label: str
    width: int
    value: Callable  # (case, line or None) → value
    full_only: bool = False


def _join(items) -> str:
    return ", ".join(str(item) for item in items)


CASE_COLUMNS = [
    Column(_label(Case, "reference"), 20, lambda c, line: c.reference),
    Column(_label(Case, "seizure_date"), 12, lambda c, line: c.seizure_date),
    Column(_label(Case, "administration"), 32, lambda c, line: str(c.administration)),
    Column(_label(Case, "country"), 20, lambda c, line: c.country.name),
    Column(_("WCO region"), 24, lambda c, line: c.region_label),
    Column(_label(Case, "place"), 18, lambda c, line: c.place, full_only=True),
    Column(_label(Case, "location_type"), 20, lambda c, line: str(c.location_type or ""), True),
    Column(_label(Case, "direction"), 14, lambda c, line: str(c.direction or ""), True),
    Column(_label(Case, "transport_mode"), 20, lambda c, line: str(c.transport_mode)),
    Column(_label(Case, "detection_method"), 24, lambda c, line: str(c.detection_method)),
    Column(
        _label(Case, "concealment_methods"), 28, lambda c, line: _join(c.concealment_methods.all())
    ),
    Column(_label(Case, "offence_types"), 22, lambda c, line: _join(c.offence_types.all()), True),
    Column(
        _("Route"), 18, lambda c, line: " › ".join(leg.country.code for leg in c.route_legs.all())
    ),
    Column(_label(Case, "flight_number"), 10, lambda c, line: c.flight_number, True),
    Column(_label(Case, "vessel_name"), 18, lambda c, line: c.vessel_name, True),
    Column(_label(Case, "imo_number"), 10, lambda c, line: c.imo_number, True),
    Column(_label(Case, "container_number"), 14, lambda c, line: c.container_number, True),
    Column(_label(Case, "vehicle_type"), 16, lambda c, line: c.vehicle_type, True),
    Column(_label(Case, "narrative"), 50, lambda c, line: c.narrative, True),
    Column(_label(Case, "status"), 12, lambda c, line: c.get_status_display()),
    Column(_label(Case, "quality_score"), 10, lambda c, line: c.quality_score, True),
]

_BASE_UNITS = {
    Dimension.MASS: "kg",
    Dimension.VOLUME: "l",
    Dimension.COUNT: "pcs",
    Dimension.HEADS: "heads",
}

LINE_COLUMNS = [
    Column(_("Commodity area"), 20, lambda c, line: str(line.commodity_type.area)),
    Column(_label(CommodityLine, "commodity_type"), 24, lambda c, line: str(line.commodity_type)),
    Column(_label(CommodityLine, "description"), 30, lambda c, line: line.description, True),
    Column(_label(CommodityLine, "hs_code"), 10, lambda c, line: line.hs_code),
    Column(_label(CommodityLine, "quantity"), 12, lambda c, line: line.quantity),
    Column(_label(CommodityLine, "unit"), 14, lambda c, line: str(line.unit)),
    Column(
        _label(CommodityLine, "normalised_quantity"), 14, lambda c, line: line.normalised_quantity
    ),
    Column(_("Base unit"), 8, lambda c, line: _BASE_UNITS[line.unit.dimension]),
    Column(_label(CommodityLine, "estimated_value"), 14, lambda c, line: line.estimated_value),
    Column(_label(CommodityLine, "currency"), 8, lambda c, line: line.currency),
    Column(_label(CommodityLine, "brand"), 16, lambda c, line: line.brand, True),
    Column(_label(CommodityLine, "species"), 18, lambda c, line: line.species, True),
    Column(_label(CommodityLine, "cites_appendix"), 8, lambda c, line: line.cites_appendix, True),
    Column(_label(CommodityLine, "packaging"), 16, lambda c, line: line.packaging, True),
]


def columns_for(*, layout: str, columns: str) -> list[Column]:
    chosen = CASE_COLUMNS
    if layout == ExportLayout.LINE:
        chosen = CASE_COLUMNS + LINE_COLUMNS
    else:
        chosen = [
            *CASE_COLUMNS,
            Column(
                _("Commodities"),
                40,
                lambda c, line: "; ".join(
                    f"{ln.commodity_type} {ln.quantity.normalize():f} {ln.unit.code}"
                    for ln in c.lines.all()
                ),
            ),
        ]
    if columns == ExportColumns.FULL:
        return chosen
    return [column for column in chosen if not column.full_only]


def export_rows(cases, *, layout: str, columns: list[Column]) -> Iterator[list]:
    """Cases in the search's order; for the line layout, their lines in turn."""
    cases = cases.select_related(
        "administration", "transport_mode", "detection_method", "location_type", "direction"
    ).prefetch_related(
        Prefetch(
            "lines", queryset=CommodityLine.objects.select_related("commodity_type__area", "unit")
        ),
        "route_legs",
        "concealment_methods",
        "offence_types",
    )
    # iterator(): a server-side cursor on PostgreSQL, chunked prefetching.
    for case in cases.iterator(chunk_size=CHUNK):
        if layout == ExportLayout.LINE:
            for line in case.lines.all():
                yield [column.value(case, line) for column in columns]
        else:
            yield [column.value(case, None) for column in columns]


def _is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


class XlsxWriter:
    """openpyxl's write-only workbook: rows go to disk as they are appended."""

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")

    def __init__(self, path, columns: list[Column], sheet_title: str):
        self.path = path
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(sheet_title[:31])
        self.sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = column.width
        self.width = len(columns)
        self.rows = 0
        header = []
        for column in columns:
            cell = WriteOnlyCell(self.sheet, value=str(column.label))
            cell.font, cell.fill = self.header_font, self.header_fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            header.append(cell)
        self.sheet.append(header)

    def _cell(self, value):
        if isinstance(value, Promise):  # a lazily translated label
            value = str(value)
        if isinstance(value, datetime.date):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        if isinstance(value, Decimal):
            return float(value) if value != value.to_integral() else int(value)
        if _is_formula_like(value):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.data_type = "s"  # text, never a formula
            return cell
        return value

    def write(self, row: list) -> None:
        self.sheet.append([self._cell(value) for value in row])
        self.rows += 1

    def finish(self, about: list[tuple[str, str]]) -> None:
        last = get_column_letter(self.width)
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"
        sheet = self.workbook.create_sheet(str(_("About this export"))[:31])
        sheet.column_dimensions["A"].width = 28
        sheet.column_dimensions["B"].width = 60
        for label, value in about:
            cell = WriteOnlyCell(sheet, value=str(label))
            cell.font = Font(bold=True)
            sheet.append([cell, self._cell(value)])
        self.workbook.save(self.path)


class CsvWriter:
    """UTF-8 with a byte-order mark, which Excel needs to read accents."""

    def __init__(self, path, columns: list[Column], sheet_title: str):
        self.file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self.csv = csv.writer(self.file)
        self.csv.writerow([str(column.label) for column in columns])
        self.rows = 0

    @staticmethod
    def _text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        text = str(value)
        # CSV has no types: the usual defence is a leading apostrophe.
        return f"'{text}" if _is_formula_like(text) else text

    def write(self, row: list) -> None:
        self.csv.writerow([self._text(value) for value in row])
        self.rows += 1

    def finish(self, about) -> None:
        self.file.close()


WRITERS = {"xlsx": XlsxWriter, "csv": CsvWriter}
