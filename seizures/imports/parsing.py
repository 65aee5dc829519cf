"""Rows → one payload per case → the case validator.

Rows that share a national reference form one case. Every case goes through
``case_validate``, the very validator of the entry form; its error keys
(``seizure_date``, ``lines-1-quantity``, ``route-0-country``…) are mapped back
to the sheet, row and column the value came from.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..forms import validation_batch
from ..models import Case, CommodityType
from ..validation import CaseData, case_validate
from ..validators import has_null_character, null_character_message
from .columns import (
    CASE,
    CASE_SHEET_COLUMNS,
    LINE,
    PROFILE_COLUMNS,
    ROUTE_KEYS,
    CellError,
    Column,
    Vocabularies,
    parse_cell,
)
from .conventions import file_conventions
from .reading import Workbook


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int
    column: Column | None = None
    index: int | None = None  # 0-based position of the column in the user's sheet


@dataclass
class RowError:
    cell: Cell
    message: str

    def as_dict(self) -> dict:
        return {
            "sheet": self.cell.sheet,
            "row": self.cell.row,
            "column": str(self.cell.column.label) if self.cell.column else "",
            "index": self.cell.index,
            "message": self.message,
        }


@dataclass
class CaseRows:
    """One case of the file: its payload, and where each of its values came from."""

    reference: str
    first: Cell
    payload: dict
    rows: list[int] = field(default_factory=list)
    cells: dict[str, Cell] = field(default_factory=dict)
    # Error keys whose cell could not be read: the validator's "required" for them
    # would only repeat the reading error.
    unreadable: set[str] = field(default_factory=set)
    errors: list[RowError] = field(default_factory=list)
    # Offender profiles given in the Cases sheet's column, not on the Offenders sheet.
    profiles_in_column: bool = False
    data: CaseData | None = None
    existing: Case | None = None


@dataclass
class Parsed:
    cases: dict[str, CaseRows]
    errors: list[RowError]
    rows: int
    summary: dict = field(default_factory=dict)
    # How each number and date column is read (imports/conventions.py).
    conventions: dict = field(default_factory=dict)
    # Summary rows ("TOTAL"…) left out of the cases: {"sheet", "row", "text"}.
    left_out: list[dict] = field(default_factory=list)


def _reference_text(value) -> str:
    """A national reference typed as a number (12345) reads as "12345", not "12345.0"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _positions(sheet) -> dict[str, int]:
    return sheet.positions


def parse_workbook(
    workbook: Workbook,
    vocabularies: Vocabularies,
    answers: dict | None = None,
    presets: dict | None = None,
) -> Parsed:
    """Every row of the file → its cases. Each number and date column's
    convention is decided from all of its values first; ``answers``: the
    conventions stored on the upload, whose user's choices are kept; ``presets``:
    those of the mapping profile it is read with (conventions.file_conventions)."""
    cases: dict[str, CaseRows] = {}
    errors: list[RowError] = []
    sheet = workbook.cases
    positions = _positions(sheet)
    columns = list(sheet.columns)
    rows = 0
    case_rows = list(sheet.rows)
    offender_rows = list(workbook.offenders.rows) if workbook.offenders is not None else []
    found = file_conventions(columns, [values for _number, values in case_rows], answers, presets)
    if workbook.offenders is not None:
        found |= file_conventions(
            workbook.offenders.columns,
            [values for _number, values in offender_rows],
            answers,
            presets,
        )

    def cell(row, column) -> Cell:
        return Cell(sheet.name, row, column, positions.get(column.key))

    reference_column = next(c for c in columns if c.key == "national_reference")
    for number, values in case_rows:
        rows += 1
        reference = _reference_text(values.get("national_reference", ""))
        if not reference or has_null_character(reference):
            message = (
                null_character_message(reference_column.label)
                if reference
                else _("Give the national reference of the case this row belongs to.")
            )
            errors.append(RowError(cell(number, reference_column), message))
            continue
        group = cases.get(reference)
        first = group is None
        if first:
            group = cases[reference] = CaseRows(
                reference=reference,
                first=Cell(sheet.name, number),
                payload={"national_reference": reference, "lines": [], "offenders": []},
            )
        group.rows.append(number)
        line_index = len(group.payload["lines"])
        line = {}
        for column in columns:
            if column.key == "national_reference":
                continue
            if column.level == CASE:
                key = column.key
                if first:
                    group.cells[key] = cell(number, column)
            else:
                key = f"lines-{line_index}-{column.key}"
                group.cells[key] = cell(number, column)
            if column.key not in values:
                continue
            try:
                value = parse_cell(column, values[column.key], vocabularies, found.get(column.key))
            except CellError as error:
                group.errors.append(RowError(cell(number, column), str(error)))
                group.unreadable.add(key)
                continue
            if column.level == LINE:
                line[column.key] = value
            elif first:
                group.payload[column.key] = value
            elif group.payload.get(column.key) != value:
                group.errors.append(
                    RowError(
                        cell(number, column),
                        _(
                            "This differs from the first row of case %(reference)s "
                            "(row %(row)s): leave it empty or give the same value."
                        )
                        % {"reference": reference, "row": group.first.row},
                    )
                )
        group.payload["lines"].append(line)

    for group in cases.values():
        _route(group, sheet.name, positions, columns)
        _profiles(group)

    if workbook.offenders is not None:
        offenders = workbook.offenders
        off_positions = _positions(offenders)
        off_columns = list(offenders.columns)
        for number, values in offender_rows:
            rows += 1
            reference = _reference_text(values.get("national_reference", ""))
            if has_null_character(reference):
                column = next(c for c in off_columns if c.key == "national_reference")
                here = Cell(offenders.name, number, column, off_positions.get(column.key))
                errors.append(RowError(here, null_character_message(column.label)))
                continue
            group = cases.get(reference)
            if group is not None and group.profiles_in_column:
                errors.append(
                    RowError(
                        Cell(offenders.name, number),
                        _(
                            "The offender profiles of case %(reference)s are also given in "
                            "the “%(column)s” column of its first row (row %(row)s): give "
                            "them in one place only."
                        )
                        % {
                            "reference": reference,
                            "column": _column_label("offender_profiles"),
                            "row": group.first.row,
                        },
                    )
                )
                continue
            if group is None:
                column = next(c for c in off_columns if c.key == "national_reference")
                errors.append(
                    RowError(
                        Cell(offenders.name, number, column, off_positions.get(column.key)),
                        _("No case on the Cases sheet has the reference “%(reference)s”.")
                        % {"reference": reference},
                    )
                )
                continue
            index = len(group.payload["offenders"])
            offender = {}
            for column in off_columns:
                if column.key == "national_reference":
                    continue
                key = f"offenders-{index}-{column.key}"
                here = Cell(offenders.name, number, column, off_positions.get(column.key))
                group.cells[key] = here
                if column.key not in values:
                    continue
                try:
                    offender[column.key] = parse_cell(
                        column, values[column.key], vocabularies, found.get(column.key)
                    )
                except CellError as error:
                    group.errors.append(RowError(here, str(error)))
                    group.unreadable.add(key)
            for column in off_columns:
                if column.default is not None and f"offenders-{index}-{column.key}" not in (
                    group.unreadable
                ):
                    offender.setdefault(column.key, column.default)
            group.payload["offenders"].append(offender)
            group.cells.setdefault(f"offenders-{index}-__all__", Cell(offenders.name, number))
    left_out = sheet.left_out + (workbook.offenders.left_out if workbook.offenders else [])
    return Parsed(cases=cases, errors=errors, rows=rows, conventions=found, left_out=left_out)


def _column_label(key: str) -> str:
    return str(next(column.label for column in CASE_SHEET_COLUMNS if column.key == key))


def _route(group: CaseRows, sheet_name: str, positions: dict, columns: list[Column]) -> None:
    """The three route columns → ordered route legs (departure, transits, destination);
    or the legs of the Route column, but not both."""
    by_key = {column.key: column for column in columns}
    delimited = group.payload.pop("route_legs", None)
    if delimited is not None:
        cell = group.cells["route_legs"]
        if any(group.payload.get(key) not in (None, []) for key in ROUTE_KEYS):
            group.errors.append(
                RowError(
                    cell,
                    _(
                        "The route is given both in this column and in the departure, "
                        "transit or destination columns: give it in one place only."
                    ),
                )
            )
            group.unreadable.add("route")
        for key in ROUTE_KEYS:
            group.payload.pop(key, None)
        group.payload["route"] = delimited
        for index in range(len(delimited)):
            for name in ("kind", "country", "place"):
                group.cells[f"route-{index}-{name}"] = cell
        group.cells["route"] = cell
        return
    legs = []
    for key in ROUTE_KEYS:
        value = group.payload.pop(key, None)
        if value is None:
            continue
        kind = "transit" if key == "transit" else key
        for country in value if isinstance(value, list) else [value]:
            group.cells[f"route-{len(legs)}-country"] = Cell(
                sheet_name, group.first.row, by_key.get(key), positions.get(key)
            )
            legs.append({"kind": kind, "country": country})
    group.payload["route"] = legs
    departure = by_key.get("departure")
    group.cells["route"] = Cell(sheet_name, group.first.row, departure, positions.get("departure"))


def _profiles(group: CaseRows) -> None:
    """The profiles of the Offender profiles column, where the validator's errors
    about them will point."""
    profiles = group.payload.pop("offender_profiles", None)
    if profiles is None:
        return
    group.profiles_in_column = True
    group.payload["offenders"] = profiles
    cell = group.cells["offender_profiles"]
    for index in range(len(profiles)):
        for name in ("__all__", *(column.key for column in PROFILE_COLUMNS)):
            group.cells[f"offenders-{index}-{name}"] = cell


def _cell_for(group: CaseRows, key: str) -> Cell:
    if key in group.cells:
        return group.cells[key]
    if key.startswith("lines-") and key.count("-") == 2:
        # A line's error that is not about one field: its first cell.
        index = key.split("-")[1]
        for name, cell in group.cells.items():
            if name.startswith(f"lines-{index}-"):
                return Cell(cell.sheet, cell.row)
    return group.first


def existing_cases(*, administration, references: list[str]) -> dict[str, Case]:
    """The cases of ``administration`` with these national references, with
    what the case form reads of them (its many-to-many choices: two queries per
    case otherwise, when a file is uploaded again)."""
    found = {}
    for start in range(0, len(references), 1000):
        for case in Case.objects.filter(
            administration=administration, national_reference__in=references[start : start + 1000]
        ).prefetch_related("concealment_methods", "offence_types"):
            found[case.national_reference] = case
    return found


def validate_cases(
    parsed: Parsed,
    *,
    administration,
    skip_existing: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Run every case through the case validator; fills ``data``, ``existing``
    and ``errors`` of each. With ``skip_existing`` the cases already known are
    not validated (they will not be written)."""
    references = list(parsed.cases)
    existing = existing_cases(administration=administration, references=references)
    with validation_batch(administration=administration, references=references, known=existing):
        _validate_each(parsed, existing, administration, skip_existing, on_progress)


def _validate_each(parsed, existing, administration, skip_existing, on_progress) -> None:
    done = 0
    for group in parsed.cases.values():
        group.existing = existing.get(group.reference)
        done += len(group.rows)
        if group.existing is not None and (skip_existing or not group.existing.is_editable):
            continue
        data, errors = case_validate(
            payload=group.payload, administration=administration, instance=group.existing
        )
        for key, messages in errors.items():
            if key in group.unreadable:
                continue
            cell = _cell_for(group, key)
            for message in messages:
                group.errors.append(RowError(cell, str(message)))
        if not group.errors:
            group.data = data
        if on_progress is not None:
            on_progress(done)
    if on_progress is not None:
        on_progress(done)


def summarise(parsed: Parsed, vocabularies: Vocabularies) -> dict:
    """What the import would do: cases and lines created, updated or skipped,
    by commodity area."""
    types = vocabularies.by_pk.get(CommodityType) or {}
    summary = {
        "cases_new": 0,
        "cases_existing": 0,
        "cases_locked": 0,
        "lines_new": 0,
        "lines_existing": 0,
        "areas": {},
        "locked": [],
        "left_out": parsed.left_out,
    }
    for group in parsed.cases.values():
        lines = group.payload["lines"]
        if group.existing is not None and not group.existing.is_editable:
            summary["cases_locked"] += 1
            summary["locked"].append([group.reference, group.existing.reference])
            continue
        state = "new" if group.existing is None else "existing"
        summary[f"cases_{state}"] += 1
        summary[f"lines_{state}"] += len(lines)
        areas_in_case = set()
        for line in lines:
            commodity = types.get(line.get("commodity_type"))
            if commodity is None:
                continue
            area = summary["areas"].setdefault(
                commodity.area.code,
                {"label": str(commodity.area), "cases_new": 0, "cases_existing": 0, "lines": 0},
            )
            area["lines"] += 1
            if commodity.area.code not in areas_in_case:
                area[f"cases_{state}"] += 1
                areas_in_case.add(commodity.area.code)
    return summary


def all_errors(parsed: Parsed) -> list[RowError]:
    errors = list(parsed.errors)
    for group in parsed.cases.values():
        errors += group.errors
    return sorted(errors, key=lambda e: (e.cell.sheet, e.cell.row, e.cell.index or 0))
