"""Search results to .xlsx or .csv, in constant memory.

Rows come from ``case_search`` (the very query of the search page) through a
server-side cursor, as plain tuples: the cases first, then — per chunk of
cases — their lines, route legs and many-to-many labels in one query each.
Vocabulary labels are looked up once per export, in the user's language.
The .xlsx is written by XlsxWriter in constant-memory mode (each row goes to
disk as it is written); the .csv by the csv module, both opened through
``cen_suite.spreadsheets``. Text that a spreadsheet could take for a formula
is always written as text.
"""

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from django.db import connection
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from accounts.models import Administration, Region
from accounts.regions import COUNTRY_REGION
from cen_suite.spreadsheets import DATE_FORMAT, CsvWriter, csv_text, xlsx_workbook, xlsx_write

from .models import (
    Case,
    CaseStatus,
    CommodityLine,
    ConcealmentMethod,
    DetectionMethod,
    Dimension,
    Direction,
    ExportColumns,
    ExportLayout,
    LocationType,
    OffenceType,
    RouteLeg,
    TransportMode,
)
from .models import CommodityType as CommodityTypeModel
from .models import Unit as UnitModel

CHUNK = 2000


def _label(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


@dataclass(frozen=True)
class Column:
    """A column reads ``key`` from the case's values, or from the line's
    (``on_line``); the values are already labels, dates, numbers or text."""

    label: str
    width: int
    key: str
    full_only: bool = False
    on_line: bool = False


def _case(label, width, key, full_only=False) -> Column:
    return Column(label, width, key, full_only)


def _line(label, width, key, full_only=False) -> Column:
    return Column(label, width, key, full_only, on_line=True)


CASE_COLUMNS = [
    _case(_label(Case, "reference"), 20, "reference"),
    # Filled for the exporting administration's own cases only, so that imported
    # rows can be traced back to its source records.
    _case(_label(Case, "national_reference"), 20, "national_reference"),
    _case(_label(Case, "seizure_date"), 12, "seizure_date"),
    _case(_label(Case, "administration"), 32, "administration"),
    _case(_label(Case, "country"), 20, "country"),
    _case(_("WCO region"), 24, "region"),
    _case(_label(Case, "place"), 18, "place", full_only=True),
    _case(_label(Case, "location_type"), 20, "location_type", full_only=True),
    _case(_label(Case, "direction"), 14, "direction", full_only=True),
    _case(_label(Case, "transport_mode"), 20, "transport_mode"),
    _case(_label(Case, "detection_method"), 24, "detection_method"),
    _case(_label(Case, "concealment_methods"), 28, "concealment_methods"),
    _case(_label(Case, "offence_types"), 22, "offence_types", full_only=True),
    _case(_("Route"), 18, "route"),
    _case(_label(Case, "flight_number"), 10, "flight_number", full_only=True),
    _case(_label(Case, "vessel_name"), 18, "vessel_name", full_only=True),
    _case(_label(Case, "imo_number"), 10, "imo_number", full_only=True),
    _case(_label(Case, "container_number"), 14, "container_number", full_only=True),
    _case(_label(Case, "vehicle_type"), 16, "vehicle_type", full_only=True),
    _case(_label(Case, "narrative"), 50, "narrative", full_only=True),
    _case(_label(Case, "status"), 12, "status"),
    _case(_label(Case, "quality_score"), 10, "quality_score", full_only=True),
]

LINE_COLUMNS = [
    _line(_("Commodity area"), 20, "area"),
    _line(_label(CommodityLine, "commodity_type"), 24, "commodity_type"),
    _line(_label(CommodityLine, "description"), 30, "description", full_only=True),
    _line(_label(CommodityLine, "hs_code"), 10, "hs_code"),
    _line(_label(CommodityLine, "quantity"), 12, "quantity"),
    _line(_label(CommodityLine, "unit"), 14, "unit"),
    _line(_label(CommodityLine, "normalised_quantity"), 14, "normalised_quantity"),
    _line(_("Base unit"), 8, "base_unit"),
    _line(_label(CommodityLine, "estimated_value"), 14, "estimated_value"),
    _line(_label(CommodityLine, "currency"), 8, "currency"),
    _line(_label(CommodityLine, "brand"), 16, "brand", full_only=True),
    _line(_label(CommodityLine, "species"), 18, "species", full_only=True),
    _line(_label(CommodityLine, "cites_appendix"), 8, "cites_appendix", full_only=True),
    _line(_label(CommodityLine, "packaging"), 16, "packaging", full_only=True),
]

COMMODITIES_COLUMN = _case(_("Commodities"), 40, "commodities")


def columns_for(*, layout: str, columns: str) -> list[Column]:
    if layout == ExportLayout.LINE:
        chosen = CASE_COLUMNS + LINE_COLUMNS
    else:
        chosen = [*CASE_COLUMNS, COMMODITIES_COLUMN]
    if columns == ExportColumns.FULL:
        return chosen
    return [column for column in chosen if not column.full_only]


# --- Reading the rows ------------------------------------------------------------------

_CASE_FIELDS = (
    "id",
    "reference",
    "seizure_date",
    "administration_id",
    "country",
    "place",
    "location_type_id",
    "direction_id",
    "transport_mode_id",
    "detection_method_id",
    "flight_number",
    "vessel_name",
    "imo_number",
    "container_number",
    "vehicle_type",
    "narrative",
    "status",
    "quality_score",
    "national_reference",
)
_LINE_FIELDS = (
    "case_id",
    "commodity_type_id",
    "description",
    "hs_code",
    "quantity",
    "unit_id",
    "normalised_quantity",
    "estimated_value",
    "currency",
    "brand",
    "species",
    "cites_appendix",
    "packaging",
)
_BASE_UNITS = {
    Dimension.MASS: pgettext_lazy("unit symbol", "kg"),
    Dimension.VOLUME: pgettext_lazy("unit symbol", "l"),
    Dimension.COUNT: pgettext_lazy("unit symbol", "pcs"),
    Dimension.HEADS: pgettext_lazy("unit symbol", "heads"),
}


class _Labels:
    """Every label an export needs, looked up once, in the active language."""

    def __init__(self):
        def vocabulary(model):
            return {entry.pk: str(entry) for entry in model.objects.all()}

        self.administration = {a.pk: str(a) for a in Administration.objects.all()}
        self.country = dict(countries)
        self.region = {code: str(Region(region).label) for code, region in COUNTRY_REGION.items()}
        self.status = {value: str(label) for value, label in CaseStatus.choices}
        self.location_type = vocabulary(LocationType)
        self.direction = vocabulary(Direction)
        self.transport_mode = vocabulary(TransportMode)
        self.detection_method = vocabulary(DetectionMethod)
        self.concealment = vocabulary(ConcealmentMethod)
        self.offence_type = vocabulary(OffenceType)
        types = CommodityTypeModel.objects.select_related("area")
        self.commodity_type = {t.pk: str(t) for t in types}
        self.area = {t.pk: str(t.area) for t in types}
        units = UnitModel.objects.all()
        self.unit = {u.pk: str(u) for u in units}
        self.unit_code = {u.pk: u.code for u in units}
        self.base_unit = {u.pk: str(_BASE_UNITS[u.dimension]) for u in units}


def _batched(rows, size: int):
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def _grouped(rows) -> dict:
    grouped = defaultdict(list)
    for case_id, *rest in rows:
        grouped[case_id].append(rest[0] if len(rest) == 1 else rest)
    return grouped


def _quantity_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _line_text(line, labels: "_Labels") -> str:
    """ "Cocaine 12.5 KG", or "Cocaine, KG: quantity not recorded"."""
    commodity, quantity, unit = labels.commodity_type[line[0]], line[3], labels.unit_code[line[4]]
    if quantity is None:
        return _("%(commodity)s, %(unit)s: quantity not recorded") % {
            "commodity": commodity,
            "unit": unit,
        }
    return f"{commodity} {_quantity_text(quantity)} {unit}"


def _case_values(row, labels: _Labels, related: dict, own_administration_id=None) -> dict:
    (
        case_id,
        reference,
        seizure_date,
        administration,
        country,
        place,
        location_type,
        direction,
        transport_mode,
        detection_method,
        flight_number,
        vessel_name,
        imo_number,
        container_number,
        vehicle_type,
        narrative,
        status,
        quality_score,
        national_reference,
    ) = row
    concealments = related["concealment"].get(case_id, ())
    offences = related["offence"].get(case_id, ())
    return {
        "reference": reference,
        "seizure_date": seizure_date,
        "administration": labels.administration.get(administration, ""),
        "country": labels.country.get(country, country),
        "region": labels.region.get(country, ""),
        "place": place,
        "location_type": labels.location_type.get(location_type, ""),
        "direction": labels.direction.get(direction, ""),
        "transport_mode": labels.transport_mode.get(transport_mode, ""),
        "detection_method": labels.detection_method.get(detection_method, ""),
        "concealment_methods": ", ".join(labels.concealment[pk] for pk in concealments),
        "offence_types": ", ".join(labels.offence_type[pk] for pk in offences),
        "route": " › ".join(related["route"].get(case_id, ())),
        "flight_number": flight_number,
        "vessel_name": vessel_name,
        "imo_number": imo_number,
        "container_number": container_number,
        "vehicle_type": vehicle_type,
        "narrative": narrative,
        "status": labels.status.get(status, status),
        "quality_score": quality_score,
        "national_reference": (
            national_reference if administration == own_administration_id else ""
        ),
    }


def _line_values(line, labels: _Labels) -> dict:
    (
        commodity_type,
        description,
        hs_code,
        quantity,
        unit,
        normalised_quantity,
        estimated_value,
        currency,
        brand,
        species,
        cites_appendix,
        packaging,
    ) = line
    return {
        "area": labels.area[commodity_type],
        "commodity_type": labels.commodity_type[commodity_type],
        "description": description,
        "hs_code": hs_code,
        "quantity": quantity,
        "unit": labels.unit[unit],
        "normalised_quantity": normalised_quantity,
        "base_unit": labels.base_unit[unit],
        "estimated_value": estimated_value,
        "currency": currency,
        "brand": brand,
        "species": species,
        "cites_appendix": cites_appendix,
        "packaging": packaging,
    }


def _related(case_ids: list[int]) -> dict:
    """Lines, route countries and many-to-many ids of a chunk of cases, by case."""
    through = Case.concealment_methods.through.objects.filter(case_id__in=case_ids)
    offences = Case.offence_types.through.objects.filter(case_id__in=case_ids)
    return {
        "lines": _grouped(
            CommodityLine.objects.filter(case_id__in=case_ids)
            .order_by("case_id", "id")
            .values_list(*_LINE_FIELDS)
        ),
        "route": _grouped(
            RouteLeg.objects.filter(case_id__in=case_ids)
            .order_by("case_id", "position")
            .values_list("case_id", "country")
        ),
        "concealment": _grouped(
            through.order_by("case_id", "id").values_list("case_id", "concealmentmethod_id")
        ),
        "offence": _grouped(
            offences.order_by("case_id", "id").values_list("case_id", "offencetype_id")
        ),
    }


@contextmanager
def _planned_for_every_row():
    """PostgreSQL plans a cursor for its first rows (a walk along the date
    index, checking each row); an export reads every row, for which a bitmap
    scan and one sort are many times faster."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET cursor_tuple_fraction")


def export_rows(
    cases, *, layout: str, columns: list[Column], own_administration_id: int | None = None
) -> Iterator[list]:
    """Cases in the search's order; for the line layout, their lines in turn. The
    national reference is written for ``own_administration_id``'s cases only."""
    with _planned_for_every_row():
        yield from _rows(
            cases, layout=layout, columns=columns, own_administration_id=own_administration_id
        )


def _rows(cases, *, layout: str, columns: list[Column], own_administration_id=None):
    labels = _Labels()
    case_keys = [column.key for column in columns if not column.on_line]
    line_keys = [column.key for column in columns if column.on_line]
    per_line = layout == ExportLayout.LINE
    # iterator(): a server-side cursor on PostgreSQL; tuples, never model instances.
    rows = cases.values_list(*_CASE_FIELDS).iterator(chunk_size=CHUNK)
    for chunk in _batched(rows, CHUNK):
        related = _related([row[0] for row in chunk])
        for row in chunk:
            case = _case_values(row, labels, related, own_administration_id)
            lines = related["lines"].get(row[0], ())
            if not per_line:
                case["commodities"] = "; ".join(_line_text(line, labels) for line in lines)
                yield [case[key] for key in case_keys]
                continue
            case_part = [case[key] for key in case_keys]
            for line in lines:
                values = _line_values(line, labels)
                yield case_part + [values[key] for key in line_keys]


# --- Writing them ----------------------------------------------------------------------


class XlsxExport:
    """XlsxWriter in constant-memory mode. Strings are always written as
    strings (never formulas, never hyperlinks), numbers as numbers, dates as
    dates."""

    def __init__(self, path, columns: list[Column], sheet_title: str):
        self.workbook = xlsx_workbook(path, streaming=True)
        self.header = self.workbook.add_format(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": "#1F4E79",
                "text_wrap": True,
                "valign": "vcenter",
            }
        )
        self.date = self.workbook.add_format({"num_format": DATE_FORMAT})
        self.bold = self.workbook.add_format({"bold": True})
        self.sheet = self.workbook.add_worksheet(sheet_title[:31])
        for index, column in enumerate(columns):
            self.sheet.set_column(index, index, column.width)
        self.sheet.freeze_panes(1, 0)
        self.width = len(columns)
        for index, column in enumerate(columns):
            self.sheet.write_string(0, index, str(column.label), self.header)
        self.rows = 0

    def write(self, row: list) -> None:
        self.rows += 1
        sheet, number, date = self.sheet, self.rows, self.date
        for col, value in enumerate(row):
            xlsx_write(sheet, number, col, value, date_format=date)

    def finish(self, about: list[tuple[str, object]]) -> None:
        self.sheet.autofilter(0, 0, self.rows, self.width - 1)
        sheet = self.workbook.add_worksheet(str(_("About this export"))[:31])
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 60)
        for number, (label, value) in enumerate(about):
            sheet.write_string(number, 0, str(label), self.bold)
            xlsx_write(sheet, number, 1, value, date_format=self.date)
        self.workbook.close()


class CsvExport:
    """UTF-8 with a byte-order mark, which Excel needs to read accents."""

    def __init__(self, path, columns: list[Column], sheet_title: str):
        self.writer = CsvWriter(path, [column.label for column in columns], text=self._text)

    @property
    def rows(self) -> int:
        return self.writer.rows

    @staticmethod
    def _text(value) -> str:
        if isinstance(value, Decimal):
            return _quantity_text(value)
        return csv_text(value)

    def write(self, row: list) -> None:
        self.writer.write(row)

    def finish(self, about) -> None:
        self.writer.close()


WRITERS = {"xlsx": XlsxExport, "csv": CsvExport}
