"""The .xlsx upload template, in the user's language.

Sheets: "Cases" (one row per commodity line), "Offenders" (one row per offender
profile, keyed by the national reference), "Instructions" (how to fill it, with
an example) and a hidden "Lists" sheet that feeds the drop-down lists.
"""

from io import BytesIO

import xlsxwriter
from django.conf import settings
from django.utils.translation import gettext as _
from django_countries import countries

from cen_suite.spreadsheets import xlsx_workbook

from ..models import NOT_KNOWN, TransportMode
from .columns import (
    CASE_SHEET_COLUMNS,
    MULTI_SEPARATOR,
    OFFENDER_COLUMNS,
    SHEET_CASES,
    SHEET_INSTRUCTIONS,
    SHEET_LISTS,
    SHEET_OFFENDERS,
    Column,
    QuantityRecording,
)

EXAMPLE = [
    # national reference, date, country, transport, detection, commodity, quantity, unit
    ("FR-2026-0001", "2026-03-14", "FR", "AIR_PASSENGER", "DETECTOR_DOG", "COCAINE", "12,5", "KG"),
    ("FR-2026-0001", "", "", "", "", "CANNABIS_RESIN", "3", "KG"),
    (
        "FR-2026-0002",
        "15/03/2026",
        "FR",
        "ROAD_CARGO",
        "RISK_PROFILING",
        "CIGARETTES",
        "40000",
        "STICK",
    ),
]


def _list_values(column: Column) -> list[str]:
    if column.kind == "vocabulary":
        return [str(entry) for entry in column.vocabulary.objects.filter(is_active=True)]
    if column.kind == "country":
        return [name for _code, name in countries]
    if column.kind == "choice":
        return [str(label) for label in column.choices.labels]
    return []


def template_build() -> bytes:
    """The template in the active language, as .xlsx bytes."""
    output = BytesIO()
    book = xlsx_workbook(output)
    header = book.add_format(
        {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"}
    )
    required = book.add_format(
        {"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True, "valign": "top"}
    )
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True})

    cases = book.add_worksheet(str(SHEET_CASES)[:31])
    offenders = book.add_worksheet(str(SHEET_OFFENDERS)[:31])
    instructions = book.add_worksheet(str(SHEET_INSTRUCTIONS)[:31])
    lists = book.add_worksheet(str(SHEET_LISTS)[:31])
    lists.hide()

    list_ranges, list_column = {}, 0
    for column in CASE_SHEET_COLUMNS + OFFENDER_COLUMNS:
        values = _list_values(column)
        if not values or (column.kind, column.vocabulary, column.choices) in list_ranges:
            continue
        lists.write(0, list_column, str(column.label), bold)
        for row, value in enumerate(values, start=1):
            lists.write_string(row, list_column, value)
        letter = xlsxwriter.utility.xl_col_to_name(list_column)
        list_ranges[(column.kind, column.vocabulary, column.choices)] = (
            f"='{str(SHEET_LISTS)[:31]}'!${letter}$2:${letter}${len(values) + 1}"
        )
        list_column += 1

    last_row = settings.UPLOAD_MAX_ROWS
    for sheet, columns in ((cases, CASE_SHEET_COLUMNS), (offenders, OFFENDER_COLUMNS)):
        sheet.freeze_panes(1, 0)
        sheet.set_row(0, 32)
        for index, column in enumerate(columns):
            label = f"{column.label} *" if column.required else str(column.label)
            sheet.write_string(0, index, label, required if column.required else header)
            hint = str(column.hint) if column.hint else ""
            if column.required:
                hint = f"{_('Required.')} {hint}".strip()
            if hint:
                sheet.write_comment(0, index, hint, {"x_scale": 2, "y_scale": 1.5})
            cell_format = date if column.kind == "date" else None
            if column.key in ("national_reference", "hs_code", "imo_number", "unlocode"):
                cell_format = text
            sheet.set_column(index, index, column.width, cell_format)
            source = list_ranges.get((column.kind, column.vocabulary, column.choices))
            if source:
                sheet.data_validation(
                    1,
                    index,
                    last_row,
                    index,
                    {
                        "validate": "list",
                        "source": source,
                        # A warning, not a refusal: codes and other languages are
                        # accepted too, and several values in one cell.
                        "error_type": "warning",
                        "error_title": str(column.label)[:32],
                        "error_message": _(
                            "This value is not in the list. Codes and labels in the "
                            "six languages are accepted too."
                        ),
                        "input_title": str(column.label)[:32],
                        "input_message": (hint or str(column.label))[:255],
                    },
                )
        sheet.autofilter(0, 0, 0, len(columns) - 1)

    instructions.set_column(0, len(EXAMPLE[0]) - 1, 18)
    by_key = {column.key: column for column in CASE_SHEET_COLUMNS}
    lines = [
        (_("How to fill in this template"), bold),
        (
            _(
                "One row of the “Cases” sheet is one commodity line. Rows with the same "
                "national reference form one case: give the case's details (date, country, "
                "transport…) on its first row; you may leave them empty on its other rows."
            ),
            None,
        ),
        (
            _(
                "Columns marked with * are required. Pick values from the drop-down lists, "
                "or type their code or their label in any of the six languages."
            ),
            None,
        ),
        (
            _(
                "Report even minimal data, and say so: a transport mode or detection method "
                "that is truly not known is “%(not_known)s”; for a trace, or goods nobody "
                "weighed or counted, choose “%(not_recorded)s” in “%(column)s” and leave the "
                "quantity empty (a quantity is always more than zero). A seizure made outside "
                "your administration's country needs a “%(abroad)s”."
            )
            % {
                "not_known": TransportMode.objects.filter(code=NOT_KNOWN).first() or "",
                "not_recorded": QuantityRecording.NOT_RECORDED.label,
                "column": by_key["quantity_not_recorded"].label,
                "abroad": by_key["abroad_reason"].label,
            },
            None,
        ),
        (
            _(
                "Dates: a date cell, or 2026-03-14, 14/03/2026 or 14.03.2026. Numbers: with a "
                "decimal comma or point."
            ),
            None,
        ),
        (
            _(
                "Each column is read one way: when some of its values can be read two ways "
                "(03/01/2019, 16,780) and none of its other values decides how, the preview "
                "asks you before anything is imported."
            ),
            None,
        ),
        (
            _(
                "Route: the country of departure, the transit countries in travel order "
                "(separated by %(separator)s) and the country of destination."
            )
            % {"separator": MULTI_SEPARATOR},
            None,
        ),
        (
            _(
                "Offender profiles go on the “Offenders” sheet, one row each, with the "
                "national reference of their case. Never write a name or a document number."
            ),
            None,
        ),
        (
            _(
                "Instead, or in a CSV file (which has only the Cases sheet), two optional "
                "columns of the Cases sheet take them on the case's first row. “%(route)s”: "
                "the legs separated by %(separator)s, each leg:country or leg:country:place, "
                "e.g. departure:EC:Guayaquil; transit:PA; destination:NL (then leave the "
                "three country columns empty). “%(profiles)s”: the profiles separated by "
                "%(separator)s, each role / nationality / gender / year of birth / age "
                "range, e.g. courier / NG / male / 1985; sender / CO (then leave the "
                "Offenders sheet without rows for that case). Codes or labels in any of "
                "the six languages."
            )
            % {
                "route": by_key["route_legs"].label,
                "profiles": by_key["offender_profiles"].label,
                "separator": MULTI_SEPARATOR,
            },
            None,
        ),
        (
            _(
                "Uploading the file again with corrected rows updates the draft cases with "
                "the same national reference: it never creates a duplicate."
            ),
            None,
        ),
        (
            _(
                "Do not merge cells, rename columns or add formulas: the values are read, "
                "formulas are not evaluated. You may also save the Cases sheet as CSV "
                "(UTF-8, comma or semicolon)."
            ),
            None,
        ),
        ("", None),
        (_("Example"), bold),
    ]
    for row, (value, cell_format) in enumerate(lines):
        instructions.write_string(row, 0, value, cell_format)
    example_columns = [
        "national_reference",
        "seizure_date",
        "country",
        "transport_mode",
        "detection_method",
        "commodity_type",
        "quantity",
        "unit",
    ]
    start = len(lines)
    for index, key in enumerate(example_columns):
        instructions.write_string(start, index, str(by_key[key].label), header)
        for offset, values in enumerate(EXAMPLE, start=1):
            instructions.write_string(start + offset, index, values[index])
    book.close()
    return output.getvalue()


def template_filename() -> str:
    return _("cen-upload-template") + ".xlsx"
