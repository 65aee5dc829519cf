"""How a file writes its numbers and dates, decided per column before any cell is read.

Comes from: every text value of one number or date column, in one uploaded file
(``parsing.parse_workbook``) or in one API request (``json_cases``). Excel's real
number and date cells (int, float, datetime from calamine or openpyxl) and JSON
numbers are not text: they need no convention and are never evidence.

Goes to: ``Upload.conventions`` (by template column key), shown in the preview,
where the user answers a column that stays ambiguous (``conventions_answer``),
and ``columns.parse_cell``, which reads each cell of the column with it.

A value decides for itself when only one reading is possible ("1,234.5",
"12,5", "25/01/2019") and is read that way whatever its column's convention;
it is also evidence for the other values of its column. A value that can be
read two ways ("16,780", "1.500", "03/01/2019") is read by its column's
convention; a column whose values leave the question open is ambiguous, and
the upload asks before importing.
"""

import re

from django.utils.translation import gettext_lazy as _

# How a column's convention was decided: by the file's own values, by the user,
# by the mapping profile the file was read with (the user's answer for an earlier
# file with the same headers), or not yet.
AUTO, USER, PROFILE, AMBIGUOUS = "auto", "user", "profile", "ambiguous"
# Dates written with the day or the month first.
DAY_FIRST, MONTH_FIRST = "dmy", "mdy"
NUMBER_KINDS = ("decimal", "integer")
DATE_KINDS = ("date",)
# Ambiguous values kept to show in the preview.
SAMPLES = 3

# One separator followed by exactly three digits, the first group without a
# leading zero: "16,780" is 16780 with a thousands comma or 16.78 with a decimal one.
_GROUPED = {
    ",": re.compile(r"^[+-]?[1-9]\d{0,2},\d{3}$"),
    ".": re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$"),
}
OTHER = {",": ".", ".": ","}
# The date parts of "03/01/2019" or "03.01.2019", with or without a time after them.
DAY_MONTH = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
TIME_PART = re.compile(
    r"^(?P<date>\S+?)(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)?$"
)


def number_text(value) -> str:
    """A number's text without its spaces (also narrow no-break) and apostrophes."""
    return "".join(str(value).split()).replace("\u202f", "").replace("'", "")


def number_decimal(text: str) -> str | None:
    """The decimal separator a number's text shows, "," or "."; AMBIGUOUS when it
    may be either ("16,780"); None when it has no separator."""
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        return "." if text.rfind(".") > text.rfind(",") else ","
    if commas > 1:
        return "."
    if dots > 1:
        return ","
    for separator in (",", "."):
        if text.count(separator) == 1:
            return AMBIGUOUS if _GROUPED[separator].match(text) else separator
    return None


def date_text(value) -> str:
    """A date's text without the time after it."""
    text = str(value).strip()
    timed = TIME_PART.match(text)
    return timed.group("date") if timed else text


def date_order(text: str) -> str | None:
    """DAY_FIRST or MONTH_FIRST when a date's text shows which ("25/01/2019");
    AMBIGUOUS when both readings are dates and differ ("03/01/2019"); None
    otherwise (ISO dates, "03/03/2019", text that is no date)."""
    match = DAY_MONTH.match(text)
    if match is None:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 >= second:
        return DAY_FIRST
    if second > 12 >= first:
        return MONTH_FIRST
    if first > 12 or first == second:
        return None
    return AMBIGUOUS


def column_convention(kind: str, values) -> dict | None:
    """The convention of one column from all of its values, in one pass; None
    when nothing in it needs one. ``{"decimal": ",", "thousands": ".",
    "decided": …}`` for numbers, ``{"order": "dmy", "decided": …}`` for dates.
    A column with values that can be read two ways also keeps a few of them in
    "samples", how many in "count" and, when its other values decide, the first
    value that shows how in "shown_by"."""
    if kind in NUMBER_KINDS:
        shows, key = (lambda value: number_decimal(number_text(value))), "decimal"
    elif kind in DATE_KINDS:
        shows, key = (lambda value: date_order(date_text(value))), "order"
    else:
        return None
    # Each distinct text is looked at once: a column repeats its values a lot.
    counts: dict[str, int] = {}
    for value in values:
        if isinstance(value, str):  # a real number or date cell has nothing to decide
            counts[value] = counts.get(value, 0) + 1
    evidence: dict[str, int] = {}
    shown_by: dict[str, str] = {}  # the first value that shows each reading
    samples: list[str] = []
    ambiguous = 0
    for value, count in counts.items():
        found = shows(value)
        if found == AMBIGUOUS:
            ambiguous += count
            text = value.strip()
            if len(samples) < SAMPLES and text not in samples:
                samples.append(text)
        elif found is not None:
            evidence[found] = evidence.get(found, 0) + count
            shown_by.setdefault(found, value.strip())
    if not evidence and not ambiguous:
        return None
    if len(evidence) == 1:
        reading, decided = next(iter(evidence)), AUTO
    elif evidence:
        # Both readings in one column: each such value reads as it shows itself.
        reading = max(evidence, key=evidence.get)
        decided = AMBIGUOUS if ambiguous else AUTO
    else:
        # Nothing decides: today's reading is shown until the user answers.
        reading = _number_default(samples[0]) if key == "decimal" else DAY_FIRST
        decided = AMBIGUOUS
    convention = {key: reading, "decided": decided}
    if key == "decimal":
        convention["thousands"] = OTHER[reading]
    if len(evidence) > 1:
        convention["mixed"] = True
    if ambiguous:
        # The values the convention decides, shown in the preview with how they read.
        convention["samples"] = samples
        convention["count"] = ambiguous
        if decided == AUTO:
            convention["shown_by"] = shown_by[reading]
    return convention


def _number_default(sample: str) -> str:
    """The separator of an ambiguous number read as its decimal one ("16,780" → 16.78)."""
    return "," if "," in sample else "."


def file_conventions(
    columns, rows: list[dict], answers: dict | None = None, presets: dict | None = None
) -> dict:
    """The conventions of every number and date column of a sheet's rows
    ({column key: value}), with the user's earlier answers kept. ``presets``: the
    readings of the mapping profile the file is read with ({key: {"order": …} |
    {"decimal": …}}), taken where the file's values do not say otherwise."""
    conventions = {}
    for column in columns:
        if column.kind not in NUMBER_KINDS + DATE_KINDS:
            continue
        key = column.key
        convention = column_convention(column.kind, (row[key] for row in rows if key in row))
        if convention is None:
            continue
        answer = (answers or {}).get(key) or {}
        reading = "decimal" if column.kind in NUMBER_KINDS else "order"
        preset = ((presets or {}).get(key) or {}).get(reading)
        if answer.get("decided") == USER and answer.get(reading):
            convention = {**convention, reading: answer[reading], "decided": USER}
            if reading == "decimal":
                convention["thousands"] = OTHER[answer[reading]]
        elif preset in _READINGS[reading] and convention.get("samples"):
            convention = _preset(convention, reading, preset)
        conventions[key] = convention
    return conventions


_READINGS = {"decimal": (",", "."), "order": (DAY_FIRST, MONTH_FIRST)}


def _preset(convention: dict, reading: str, preset: str) -> dict:
    """A column with values that read two ways, and the profile's reading of it:
    taken when nothing in the file decides; asked again when the file's own
    values show the other reading (or both)."""
    convention = dict(convention)
    if convention["decided"] == AMBIGUOUS and not convention.get("mixed"):
        convention[reading], convention["decided"] = preset, PROFILE
        if reading == "decimal":
            convention["thousands"] = OTHER[preset]
    elif convention[reading] != preset or convention.get("mixed"):
        # The file contradicts the profile: the user says which is right.
        convention["decided"], convention["profile"] = AMBIGUOUS, preset
    return convention


def conventions_open(conventions: dict) -> list[str]:
    """The keys of the columns still waiting for the user's answer."""
    return [key for key, convention in conventions.items() if convention["decided"] == AMBIGUOUS]


class BadAnswer(ValueError):
    """An answer that names no ambiguous column, or no reading of it."""


def conventions_answer(conventions: dict, choices: dict) -> tuple[dict, bool]:
    """The conventions with the user's ``choices`` ({column key: "dmy" | "mdy"
    for dates, "," | "." for the decimal separator of numbers}) recorded as
    decided by the user; and whether any reading changed."""
    answered = {key: dict(convention) for key, convention in conventions.items()}
    changed = False
    if not choices:
        raise BadAnswer(_("Choose how to read the column."))
    for key, choice in choices.items():
        convention = answered.get(key)
        if convention is None:
            raise BadAnswer(_("This file has no such column to read two ways."))
        reading = "decimal" if "decimal" in convention else "order"
        allowed = (",", ".") if reading == "decimal" else (DAY_FIRST, MONTH_FIRST)
        if choice not in allowed:
            raise BadAnswer(_("Choose one of the two readings offered."))
        changed = changed or convention[reading] != choice
        convention[reading], convention["decided"] = choice, USER
        if reading == "decimal":
            convention["thousands"] = OTHER[choice]
    return answered, changed
