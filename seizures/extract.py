"""The downloadable database extract: every validated case with its lines,
route, offender profiles and the vocabularies (labels in the six languages),
as a SQLite database and as a zip of CSV files, with a table that describes
every column. Analysts open it in DB Browser for SQLite, LibreOffice Base, R,
Python, or MS Access through ODBC.
"""

import csv
import io
import sqlite3
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cen_suite.spreadsheets import is_formula_like

from .models import (
    VOCABULARIES,
    Case,
    CaseStatus,
    CommodityLine,
    OffenderProfile,
    RouteLeg,
)

BATCH = 5000

# table → [(column, SQLite type, description, ORM path)]
TABLES = {
    "cases": [
        (
            "id",
            "INTEGER PRIMARY KEY",
            _("Internal number of the case; other tables refer to it."),
            "id",
        ),
        ("reference", "TEXT", _("CEN reference, CEN-<year>-<country>-<number>."), "reference"),
        (
            "reporting_country",
            "TEXT",
            _("ISO 3166 code of the reporting administration's country."),
            "administration__country",
        ),
        ("seizure_date", "TEXT", _("Date of seizure, YYYY-MM-DD."), "seizure_date"),
        ("country", "TEXT", _("ISO 3166 code of the country of seizure."), "country"),
        ("place", "TEXT", _("City, port or airport of seizure."), "place"),
        ("unlocode", "TEXT", _("UN/LOCODE of the place, when given."), "unlocode"),
        ("location_type", "TEXT", _("Code in the location_types table."), "location_type__code"),
        ("direction", "TEXT", _("Code in the directions table."), "direction__code"),
        ("transport_mode", "TEXT", _("Code in the transport_modes table."), "transport_mode__code"),
        (
            "detection_method",
            "TEXT",
            _("Code in the detection_methods table."),
            "detection_method__code",
        ),
        ("flight_number", "TEXT", _("Flight number."), "flight_number"),
        ("vessel_name", "TEXT", _("Vessel name."), "vessel_name"),
        ("imo_number", "TEXT", _("IMO number of the vessel."), "imo_number"),
        ("container_number", "TEXT", _("ISO 6346 container number."), "container_number"),
        ("vehicle_type", "TEXT", _("Vehicle type."), "vehicle_type"),
        ("narrative", "TEXT", _("How the seizure happened (no personal data)."), "narrative"),
        ("source", "TEXT", _("manual, upload, api or ncen."), "source"),
        (
            "validated_at",
            "TEXT",
            _("When the national administrator validated the case (UTC)."),
            "validated_at",
        ),
    ],
    "commodity_lines": [
        ("id", "INTEGER PRIMARY KEY", _("Internal number of the line."), "id"),
        ("case_id", "INTEGER", _("The case (cases.id)."), "case_id"),
        ("commodity_type", "TEXT", _("Code in the commodity_types table."), "commodity_type__code"),
        ("description", "TEXT", _("Description of the goods."), "description"),
        ("hs_code", "TEXT", _("Harmonized System code, 4 to 10 digits."), "hs_code"),
        (
            "quantity",
            "REAL",
            _("Quantity as entered, in unit; empty when quantity_not_recorded is 1."),
            "quantity",
        ),
        (
            "quantity_not_recorded",
            "INTEGER",
            _("1 for a trace, or goods nobody weighed or counted: never in the sums."),
            "quantity_not_recorded",
        ),
        ("unit", "TEXT", _("Code in the units table."), "unit__code"),
        (
            "normalised_quantity",
            "REAL",
            _("Quantity in the unit's base: kg, litres, pieces or heads (units.dimension)."),
            "normalised_quantity",
        ),
        ("estimated_value", "REAL", _("Estimated value, in currency."), "estimated_value"),
        ("currency", "TEXT", _("ISO 4217 currency code."), "currency"),
        ("brand", "TEXT", _("Brand (tobacco, IPR goods)."), "brand"),
        ("species", "TEXT", _("Species (environment)."), "species"),
        ("cites_appendix", "TEXT", _("CITES appendix: I, II or III."), "cites_appendix"),
        ("packaging", "TEXT", _("Packaging."), "packaging"),
    ],
    "route_legs": [
        ("case_id", "INTEGER", _("The case (cases.id)."), "case_id"),
        ("position", "INTEGER", _("Order of the leg on the route, from 0."), "position"),
        ("kind", "TEXT", _("departure, transit or destination."), "kind"),
        ("country", "TEXT", _("ISO 3166 code of the country."), "country"),
        ("place", "TEXT", _("Place in that country, when given."), "place"),
    ],
    "offender_profiles": [
        ("case_id", "INTEGER", _("The case (cases.id)."), "case_id"),
        ("role", "TEXT", _("courier, driver, passenger, sender, recipient or other."), "role"),
        ("nationality", "TEXT", _("ISO 3166 code of the nationality."), "nationality"),
        ("gender", "TEXT", _("female, male or unknown."), "gender"),
        ("birth_year", "INTEGER", _("Year of birth, when known."), "birth_year"),
        ("age_range", "TEXT", _("Age range, when the year of birth is not known."), "age_range"),
    ],
    "case_concealment_methods": [
        ("case_id", "INTEGER", _("The case (cases.id)."), "case_id"),
        (
            "concealment_method",
            "TEXT",
            _("Code in the concealment_methods table."),
            "concealmentmethod__code",
        ),
    ],
    "case_offence_types": [
        ("case_id", "INTEGER", _("The case (cases.id)."), "case_id"),
        ("offence_type", "TEXT", _("Code in the offence_types table."), "offencetype__code"),
    ],
}

VOCABULARY_TABLES = {
    "commodity_areas": "CommodityArea",
    "commodity_types": "CommodityType",
    "units": "Unit",
    "transport_modes": "TransportMode",
    "detection_methods": "DetectionMethod",
    "concealment_methods": "ConcealmentMethod",
    "directions": "Direction",
    "location_types": "LocationType",
    "offence_types": "OffenceType",
}


def _vocabulary_columns(model) -> list[tuple[str, str, str, str]]:
    columns = [("code", "TEXT PRIMARY KEY", _("Stable code, used by the other tables."), "code")]
    columns += [
        (
            f"label_{lang}",
            "TEXT",
            gettext("Label in %(language)s.") % {"language": name},
            f"label_{lang}",
        )
        for lang, name in settings.LANGUAGES
    ]
    if model.__name__ == "CommodityType":
        columns += [
            ("area", "TEXT", _("Code in the commodity_areas table."), "area__code"),
            ("default_unit", "TEXT", _("Code in the units table."), "default_unit__code"),
        ]
    if model.__name__ == "Unit":
        columns += [
            (
                "dimension",
                "TEXT",
                _("mass (kg), volume (litres), count (pieces) or heads."),
                "dimension",
            ),
            ("factor", "REAL", _("How many base units one of this unit is."), "factor"),
        ]
    return columns


def _sqlite_value(value):
    if isinstance(value, bool):  # 1 or 0 in SQLite and in the CSV files alike
        return int(value)
    if value is None or isinstance(value, int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return float(value) if hasattr(value, "as_integer_ratio") else str(value)


def _querysets() -> dict:
    cases = Case.objects.filter(status=CaseStatus.VALIDATED)
    case_ids = cases.values("pk")
    through_c = Case.concealment_methods.through
    through_o = Case.offence_types.through
    querysets = {
        "cases": cases.order_by("id"),
        "commodity_lines": CommodityLine.objects.filter(case__in=case_ids).order_by("id"),
        "route_legs": RouteLeg.objects.filter(case__in=case_ids).order_by("case_id", "position"),
        "offender_profiles": OffenderProfile.objects.filter(case__in=case_ids).order_by("id"),
        "case_concealment_methods": through_c.objects.filter(case__in=case_ids).order_by("id"),
        "case_offence_types": through_o.objects.filter(case__in=case_ids).order_by("id"),
    }
    models_by_name = {model.__name__: model for model in VOCABULARIES}
    for table, model_name in VOCABULARY_TABLES.items():
        querysets[table] = models_by_name[model_name].objects.order_by("order", "code")
    return querysets


def table_definitions() -> dict:
    models_by_name = {model.__name__: model for model in VOCABULARIES}
    definitions = dict(TABLES)
    for table, model_name in VOCABULARY_TABLES.items():
        definitions[table] = _vocabulary_columns(models_by_name[model_name])
    return definitions


def extract_write(folder: Path) -> tuple[Path, Path, int]:
    """Write cen-extract.sqlite and cen-extract-csv.zip into ``folder``;
    return both paths and the number of cases."""
    # One file for every user: its column descriptions in the default language.
    with translation.override(settings.LANGUAGE_CODE):
        definitions = {
            table: [(name, kind, str(description), path) for name, kind, description, path in cols]
            for table, cols in table_definitions().items()
        }
    querysets = _querysets()
    sqlite_path = folder / "cen-extract.sqlite"
    database = sqlite3.connect(sqlite_path)
    try:
        database.execute(
            "CREATE TABLE columns (table_name TEXT, column_name TEXT, type TEXT, description TEXT)"
        )
        for table, columns in definitions.items():
            column_sql = ", ".join(f"{name} {kind}" for name, kind, _d, _p in columns)
            database.execute(f"CREATE TABLE {table} ({column_sql})")
            database.executemany(
                "INSERT INTO columns VALUES (?, ?, ?, ?)",
                [
                    (table, name, kind.split()[0], description)
                    for name, kind, description, _p in columns
                ],
            )
            placeholders = ", ".join("?" * len(columns))
            rows = querysets[table].values_list(*[path for _n, _k, _d, path in columns])
            batch = []
            for row in rows.iterator(chunk_size=BATCH):
                batch.append([_sqlite_value(value) for value in row])
                if len(batch) >= BATCH:
                    database.executemany(f"INSERT INTO {table} VALUES ({placeholders})", batch)
                    batch = []
            if batch:
                database.executemany(f"INSERT INTO {table} VALUES ({placeholders})", batch)
        database.commit()
        case_count = database.execute("SELECT count(*) FROM cases").fetchone()[0]

        zip_path = folder / "cen-extract-csv.zip"
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in ["columns", *definitions]:
                with archive.open(f"{table}.csv", "w") as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    writer = csv.writer(text)
                    cursor = database.execute(f"SELECT * FROM {table}")
                    writer.writerow([column[0] for column in cursor.description])
                    for row in cursor:
                        # A text a spreadsheet would take for a formula ("=HYPERLINK(…)"
                        # in a narrative) stays text; numbers are written as they are.
                        writer.writerow([f"'{v}" if is_formula_like(v) else v for v in row])
                    text.flush()
                    text.detach()
    finally:
        database.close()
    return sqlite_path, zip_path, case_count
