"""The columns of the upload template, and how a cell's text becomes a value.

One row of the "Cases" sheet is one commodity line; the rows that share a
national reference form one case, whose case-level cells are read from its first
row (later rows may leave them empty). The route is in three columns of the
case (departure, transit countries, destination); offender profiles are on the
"Offenders" sheet, one row each, keyed by the same national reference.

A CSV file has only the Cases sheet, so two optional "delimited" columns of the
case can carry the rest, in the workbook as in CSV: "Route" (legs with their
places: ``departure:EC:Guayaquil; transit:PA; destination:NL``) and "Offender
profiles" (``courier / NG / male / 1985; sender / CO``).

A vocabulary value is accepted as its code or as its label in any of the six
languages, whatever the case and accents; a country as its ISO code or name.
A number or a date written as text is read with its column's convention, decided
from all of the column's values before any cell is read (conventions.py): a
value that can be read two ways is never read without one.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from django.conf import settings
from django.db.models import TextChoices
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..models import (
    AbroadReason,
    AgeRange,
    CitesAppendix,
    CommodityType,
    ConcealmentMethod,
    DetectionMethod,
    Direction,
    Gender,
    LegKind,
    LocationType,
    OffenceType,
    OffenderRole,
    TransportMode,
    Unit,
)
from ..validators import has_null_character, null_character_message
from . import conventions

CASE, LINE, OFFENDER = "case", "line", "offender"
# Several values in one cell (concealment methods, transit countries…).
MULTI_SEPARATOR = ";"


class CellError(ValueError):
    """A cell whose text cannot be read as its column's kind of value."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    level: str
    # text, code, date, decimal, integer, vocabulary, country, choice; and the
    # delimited columns' route and offenders.
    kind: str = "text"
    required: bool = False
    many: bool = False
    vocabulary: type | None = None
    choices: type | None = None
    hint: str = ""
    width: int = 16
    # Given to the validator when the cell is empty (the model's own default).
    default: str | None = None


def _col(key, label, level, **options) -> Column:
    return Column(key, label, level, **options)


SEPARATED = _("Several values: separate them with a semicolon (;).")
NOT_KNOWN_HINT = _("“Not known” when it truly is not known.")


class QuantityRecording(TextChoices):
    """The "Quantity not recorded" column: the case validator's flag, as a cell
    (or a JSON true / false)."""

    NOT_RECORDED = "True", _("Not recorded")
    RECORDED = "False", _("Recorded")


CASE_COLUMNS = [
    _col(
        "national_reference",
        _("National reference"),
        CASE,
        required=True,
        hint=_(
            "Your administration's own reference. Rows with the same reference form one "
            "case; uploading it again updates that case."
        ),
        width=18,
    ),
    _col(
        "seizure_date",
        _("Date of seizure"),
        CASE,
        kind="date",
        required=True,
        hint=_("A date, or 2026-03-14, 14/03/2026 or 14.03.2026."),
        width=14,
    ),
    _col(
        "country",
        _("Country of seizure"),
        CASE,
        kind="country",
        required=True,
        hint=_("Country name or ISO code (FR, KE…)."),
        width=18,
    ),
    _col(
        "abroad_reason",
        _("Reason for reporting a seizure abroad"),
        CASE,
        kind="choice",
        choices=AbroadReason,
        hint=_(
            "Only for a seizure made outside your administration's country, which is "
            "refused without a reason."
        ),
        width=24,
    ),
    _col("place", _("Place"), CASE, hint=_("City, port or airport.")),
    _col("unlocode", _("UN/LOCODE"), CASE, hint=_("Five letters, e.g. FRCDG."), width=10),
    _col("location_type", _("Location type"), CASE, kind="vocabulary", vocabulary=LocationType),
    _col("direction", _("Direction"), CASE, kind="vocabulary", vocabulary=Direction),
    _col(
        "transport_mode",
        _("Transport mode"),
        CASE,
        kind="vocabulary",
        vocabulary=TransportMode,
        required=True,
        hint=NOT_KNOWN_HINT,
        width=18,
    ),
    _col("flight_number", _("Flight number"), CASE, width=10),
    _col("vessel_name", _("Vessel name"), CASE),
    _col("imo_number", _("IMO number"), CASE, hint=_("Seven digits."), width=10),
    _col("container_number", _("Container number"), CASE, hint=_("E.g. MSKU9070323."), width=14),
    _col("vehicle_type", _("Vehicle type"), CASE),
    _col(
        "detection_method",
        _("Detection method"),
        CASE,
        kind="vocabulary",
        vocabulary=DetectionMethod,
        required=True,
        hint=NOT_KNOWN_HINT,
        width=20,
    ),
    _col(
        "concealment_methods",
        _("Concealment methods"),
        CASE,
        kind="vocabulary",
        vocabulary=ConcealmentMethod,
        many=True,
        hint=SEPARATED,
        width=20,
    ),
    _col(
        "offence_types",
        _("Offence types"),
        CASE,
        kind="vocabulary",
        vocabulary=OffenceType,
        many=True,
        hint=SEPARATED,
        width=20,
    ),
    _col(
        "departure",
        _("Country of departure"),
        CASE,
        kind="country",
        hint=_("Where the goods came from: country name or ISO code."),
    ),
    _col(
        "transit",
        _("Transit countries"),
        CASE,
        kind="country",
        many=True,
        hint=_("In travel order. Several values: separate them with a semicolon (;)."),
    ),
    _col("destination", _("Country of destination"), CASE, kind="country"),
    _col(
        "narrative",
        _("Narrative"),
        CASE,
        hint=_("Never a name, document number or anything that identifies a person."),
        width=40,
    ),
]

LINE_COLUMNS = [
    _col(
        "commodity_type",
        _("Commodity"),
        LINE,
        kind="vocabulary",
        vocabulary=CommodityType,
        required=True,
        width=22,
    ),
    _col("description", _("Description"), LINE, width=24),
    _col("hs_code", _("HS code"), LINE, hint=_("4 to 10 digits."), width=10),
    _col(
        "quantity",
        _("Quantity"),
        LINE,
        kind="decimal",
        required=True,
        hint=_(
            "A number more than zero; decimal comma or point. Empty when the quantity is "
            "not recorded."
        ),
        width=10,
    ),
    _col(
        "quantity_not_recorded",
        _("Quantity not recorded"),
        LINE,
        kind="choice",
        choices=QuantityRecording,
        hint=_(
            "“Not recorded” for a trace, or goods nobody weighed or counted: leave the "
            "quantity empty (and the unit too, if you wish: the commodity's own unit is "
            "taken)."
        ),
        width=14,
    ),
    _col("unit", _("Unit"), LINE, kind="vocabulary", vocabulary=Unit, required=True, width=12),
    _col("estimated_value", _("Estimated value"), LINE, kind="decimal", width=12),
    _col("currency", _("Currency"), LINE, kind="code", hint=_("ISO code: EUR, USD, KES…"), width=9),
    _col("brand", _("Brand"), LINE),
    _col("species", _("Species"), LINE),
    _col("cites_appendix", _("CITES appendix"), LINE, kind="choice", choices=CitesAppendix),
    _col("packaging", _("Packaging"), LINE),
]

OFFENDER_COLUMNS = [
    _col(
        "national_reference",
        _("National reference"),
        OFFENDER,
        required=True,
        hint=_("The reference of the case on the Cases sheet."),
        width=18,
    ),
    _col(
        "role",
        _("Role"),
        OFFENDER,
        kind="choice",
        choices=OffenderRole,
        required=True,
        width=14,
    ),
    _col("nationality", _("Nationality"), OFFENDER, kind="country", width=18),
    _col(
        "gender",
        _("Gender"),
        OFFENDER,
        kind="choice",
        choices=Gender,
        default=Gender.UNKNOWN,
        hint=_("Empty: unknown."),
        width=12,
    ),
    _col("birth_year", _("Year of birth"), OFFENDER, kind="integer", width=10),
    _col("age_range", _("Age range"), OFFENDER, kind="choice", choices=AgeRange, width=12),
]

# Separators of the delimited columns: legs or profiles, then the parts of one.
LEG_PART_SEPARATOR = ":"
PROFILE_PART_SEPARATOR = "/"

DELIMITED_COLUMNS = [
    _col(
        "route_legs",
        _("Route"),
        CASE,
        kind="route",
        hint=_(
            "Instead of the three country columns, the route with places: legs separated "
            "by a semicolon, each written leg:country or leg:country:place, e.g. "
            "departure:EC:Guayaquil; transit:PA; destination:NL."
        ),
        width=30,
    ),
    _col(
        "offender_profiles",
        _("Offender profiles"),
        CASE,
        kind="offenders",
        hint=_(
            "Instead of the Offenders sheet (a CSV file has none): profiles separated by a "
            "semicolon, each written role / nationality / gender / year of birth / age "
            "range, leaving out the parts you do not know at the end, e.g. "
            "courier / NG / male / 1985; sender / CO."
        ),
        width=30,
    ),
]

CASE_SHEET_COLUMNS = CASE_COLUMNS + LINE_COLUMNS + DELIMITED_COLUMNS
ROUTE_KEYS = ("departure", "transit", "destination")

SHEET_CASES = _("Cases")
SHEET_OFFENDERS = _("Offenders")
SHEET_INSTRUCTIONS = _("Instructions")
SHEET_LISTS = _("Lists")


# --- Matching text in any of the six languages ----------------------------------------


def normalise(text) -> str:
    """Case-, accent- and space-insensitive form of a label, for matching."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.casefold().replace("*", " ").split())


def in_every_language(text) -> set[str]:
    """The normalised translations of a lazy string in the six languages."""
    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(normalise(text))
    return found


@cache
def _choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for value, label in choices.choices:
        lookup[normalise(value)] = value
        for text in in_every_language(label):
            lookup.setdefault(text, value)
    return lookup


@cache
def _country_lookup() -> dict[str, str]:
    lookup = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for country_code, name in countries:
                lookup.setdefault(normalise(name), country_code)
    for country_code, _name in countries:
        lookup[normalise(country_code)] = country_code
        alpha3 = countries.alpha3(country_code)
        if alpha3:
            lookup.setdefault(normalise(alpha3), country_code)
    return lookup


class Vocabularies:
    """Every vocabulary entry by normalised code and label, loaded once per upload
    (a few hundred rows) instead of one query per cell."""

    def __init__(self):
        self._lookups: dict[type, dict[str, object]] = {}
        self.by_pk: dict[type, dict[int, object]] = {}

    def lookup(self, model) -> dict[str, object]:
        if model not in self._lookups:
            entries = model.objects.filter(is_active=True)
            if model is CommodityType:
                entries = entries.select_related("area")
            entries = list(entries)
            lookup = {}
            for entry in entries:
                lookup[normalise(entry.code)] = entry
            for code, _name in settings.LANGUAGES:
                for entry in entries:
                    label = getattr(entry, f"label_{code}", "")
                    if label:
                        lookup.setdefault(normalise(label), entry)
            self._lookups[model] = lookup
            self.by_pk[model] = {entry.pk: entry for entry in entries}
        return self._lookups[model]

    def find(self, model, text):
        entry = self.lookup(model).get(normalise(text))
        if entry is None:
            raise CellError(
                _("“%(value)s” is not in the list of %(list)s.")
                % {"value": text, "list": model._meta.verbose_name_plural}
            )
        return entry


# --- Reading one cell ----------------------------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# The integer part of a number with thousands separators: 1,234,567 or 1.234.567.
_GROUPS = {
    ",": re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+$"),
    ".": re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+$"),
}


def _date(value, year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(_("“%(value)s”: this date does not exist.") % {"value": value}) from None


def parse_date(value, order: str | None = None) -> datetime.date:
    """A date cell or text. "03/01/2019" is read with ``order`` (DAY_FIRST or
    MONTH_FIRST, its column's convention); without one it is an error, for it
    can be read two ways. A time after the date ("2019-01-03T00:00:00",
    "03/01/2019 12:00:00 AM") is accepted and ignored, never the reason for a
    wrong or refused date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = conventions.date_text(value)
    match = _ISO_DATE.match(text)
    if match:
        return _date(value, *(int(part) for part in match.groups()))
    match = conventions.DAY_MONTH.match(text)
    if match is None:
        raise CellError(_("Write the date as 2026-03-14, 14/03/2026 or 14.03.2026."))
    first, second, year = (int(part) for part in match.groups())
    shows = conventions.date_order(text)
    if shows == conventions.AMBIGUOUS:
        if order is None:
            day_first = _date(value, year, second, first)
            month_first = _date(value, year, first, second)
            raise CellError(
                _(
                    "“%(value)s” may be %(day_first)s or %(month_first)s: write it as "
                    "%(day_first_iso)s or %(month_first_iso)s."
                )
                % {
                    "value": text,
                    "day_first": formats.date_format(day_first),
                    "month_first": formats.date_format(month_first),
                    "day_first_iso": day_first.isoformat(),
                    "month_first_iso": month_first.isoformat(),
                }
            )
        shows = order
    if shows == conventions.MONTH_FIRST:
        return _date(value, year, first, second)
    return _date(value, year, second, first)


def _plain_number(text: str, decimal: str) -> str:
    """ "1.234,5" with decimal "," → "1234.5"; thousands separators only in groups of three."""
    thousands = conventions.OTHER[decimal]
    whole, separator, fraction = text.rpartition(decimal)
    if not separator:
        whole, fraction = text, ""
    if decimal in whole or thousands in fraction:
        raise CellError(_("Write a number."))
    if thousands in whole and not _GROUPS[thousands].match(whole):
        raise CellError(_("Write a number."))
    return whole.replace(thousands, "") + (f".{fraction}" if separator else "")


def parse_decimal(value, decimal: str | None = None) -> Decimal:
    """A number cell or text. Text whose separator may be a thousands or a decimal
    one ("16,780", "1.500") is read with ``decimal``, its column's decimal
    separator; without one it is an error."""
    if isinstance(value, bool):
        raise CellError(_("Write a number."))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = conventions.number_text(value)
    shows = conventions.number_decimal(text)
    if shows == conventions.AMBIGUOUS:
        if decimal is None:
            readings = [
                f"{Decimal(_plain_number(text, separator)).normalize():f}"
                for separator in (".", ",")
            ]
            raise CellError(
                _(
                    "“%(value)s” may be %(thousands)s or %(decimal)s: write %(thousands)s or "
                    "%(decimal)s, or send a JSON number."
                )
                % {"value": text, "thousands": readings[0], "decimal": readings[1]}
            )
        shows = decimal
    if shows is not None:
        text = _plain_number(text, shows)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("Write a number.")) from None
    if not number.is_finite():
        raise CellError(_("Write a number."))
    return number


LEG_KIND = Column("kind", _("Leg"), "route", kind="choice", choices=LegKind)
LEG_COUNTRY = Column("country", _("Country"), "route", kind="country")
PROFILE_COLUMNS = [column for column in OFFENDER_COLUMNS if column.key != "national_reference"]


def _items(value) -> list[str]:
    return [part.strip() for part in str(value).split(MULTI_SEPARATOR) if part.strip()]


def parse_route(value, vocabularies: Vocabularies) -> list[dict]:
    """ "departure:EC:Guayaquil; transit:PA; destination:NL" → route legs."""
    legs = []
    for number, text in enumerate(_items(value), start=1):
        kind, separator, rest = text.partition(LEG_PART_SEPARATOR)
        country, _separator, place = rest.partition(LEG_PART_SEPARATOR)
        if not separator or not country.strip():
            raise CellError(
                _(
                    "Leg %(number)s (“%(leg)s”): write each leg as leg:country or "
                    "leg:country:place, e.g. departure:EC; transit:PA; destination:NL."
                )
                % {"number": number, "leg": text}
            )
        try:
            leg = {
                "kind": parse_cell(LEG_KIND, kind.strip(), vocabularies),
                "country": parse_cell(LEG_COUNTRY, country.strip(), vocabularies),
            }
        except CellError as error:
            # Translators: "Leg 2: “XX” is not a country name or ISO code."
            raise CellError(
                _("Leg %(number)s: %(error)s") % {"number": number, "error": error}
            ) from None
        if place.strip():
            leg["place"] = place.strip()
        legs.append(leg)
    return legs


def parse_profiles(value, vocabularies: Vocabularies) -> list[dict]:
    """ "courier / NG / male / 1985; sender / CO" → offender profiles."""
    profiles = []
    for number, text in enumerate(_items(value), start=1):
        parts = [part.strip() for part in text.split(PROFILE_PART_SEPARATOR)]
        if len(parts) > len(PROFILE_COLUMNS):
            raise CellError(
                _(
                    "Profile %(number)s (“%(profile)s”) has more than %(count)s parts: "
                    "role / nationality / gender / year of birth / age range."
                )
                % {"number": number, "profile": text, "count": len(PROFILE_COLUMNS)}
            )
        profile = {}
        for column, part in zip(PROFILE_COLUMNS, parts, strict=False):
            if not part:
                continue
            try:
                profile[column.key] = parse_cell(column, part, vocabularies)
            except CellError as error:
                # Translators: "Profile 1, Gender: “x” is not one of: Female, Male, Unknown."
                raise CellError(
                    _("Profile %(number)s, %(part)s: %(error)s")
                    % {"number": number, "part": column.label, "error": error}
                ) from None
        for column in PROFILE_COLUMNS:
            if column.default is not None:
                profile.setdefault(column.key, column.default)
        profiles.append(profile)
    return profiles


def parse_cell(column: Column, value, vocabularies: Vocabularies, convention: dict | None = None):
    """A cell's raw value → what the case validator takes (pks, codes, ISO dates).
    ``convention``: how its column writes numbers or dates (imports/conventions.py)."""
    if has_null_character(value):
        raise CellError(null_character_message(column.label))
    if column.kind == "route":
        return parse_route(value, vocabularies)
    if column.kind == "offenders":
        return parse_profiles(value, vocabularies)
    if column.many:
        parts = _items(value)
        single = Column(**{**column.__dict__, "many": False})
        return [parse_cell(single, part, vocabularies, convention) for part in parts]
    convention = convention or {}
    if column.kind == "date":
        return parse_date(value, convention.get("order")).isoformat()
    if column.kind == "decimal":
        return str(parse_decimal(value, convention.get("decimal")))
    if column.kind == "integer":
        number = parse_decimal(value, convention.get("decimal"))
        if number != number.to_integral_value():
            raise CellError(_("Write a whole number."))
        return int(number)
    if column.kind == "vocabulary":
        return vocabularies.find(column.vocabulary, value).pk
    if column.kind == "country":
        code = _country_lookup().get(normalise(value))
        if code is None:
            raise CellError(_("“%(value)s” is not a country name or ISO code.") % {"value": value})
        return code
    if column.kind == "choice":
        found = _choice_lookup(column.choices).get(normalise(value))
        if found is None:
            raise CellError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {
                    "value": value,
                    "choices": ", ".join(str(label) for label in column.choices.labels),
                }
            )
        return found
    if column.kind == "code":
        return str(value).strip().upper()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an HS code or IMO number typed as a number
    return str(value).strip()


def convention_questions(found: dict) -> list[dict]:
    """The columns of an upload that can be read two ways, for the preview: each
    with a few of its values as they are read now and as the other reading would
    read them, and the choice that switches to it."""
    by_key = {column.key: column for column in CASE_SHEET_COLUMNS + OFFENDER_COLUMNS}
    questions = []
    for key, convention in found.items():
        column = by_key.get(key)
        if column is None or not convention.get("samples"):
            continue
        if "order" in convention:
            reading = convention["order"]
            other = (
                conventions.MONTH_FIRST
                if reading == conventions.DAY_FIRST
                else conventions.DAY_FIRST
            )

            def shown(text, choice):
                return formats.date_format(parse_date(text, choice))
        else:
            reading = convention["decimal"]
            other = conventions.OTHER[reading]

            def shown(text, choice):
                # In the user's own decimal separator, without thousands ones.
                plain = Decimal(f"{parse_decimal(text, choice).normalize():f}")
                return formats.number_format(plain, use_l10n=True)

        questions.append(
            {
                "key": key,
                "label": column.label,
                "open": convention["decided"] == conventions.AMBIGUOUS,
                "decided": convention["decided"],
                "shown_by": convention.get("shown_by", ""),
                # The profile's reading, when the file's own values contradict it.
                "profile": convention.get("profile", ""),
                "count": convention.get("count", len(convention["samples"])),
                "reading": reading,
                "other": other,
                "samples": [
                    {"text": text, "now": shown(text, reading), "other": shown(text, other)}
                    for text in convention["samples"]
                ],
            }
        )
    return questions
