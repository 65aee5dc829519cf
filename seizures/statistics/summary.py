"""Upkeep of the summary tables.

A validated case contributes to a few rows: one per commodity level (all
commodities, each of its areas, each of its commodity types) in
``CaseStatMonth`` and, for each value of each dimension (a country on its
route, its departure → destination pairs, its reporting administration, its
transport mode, detection method and concealment methods), at the same levels, for its reporting
country and for all countries (country ""), in ``DimensionStatMonth``.

Only validated cases count, and a validated case cannot be edited (nor its
vocabulary entries changed in a way that moves it: ``vocabulary_change_check``),
so it is enough to add its contribution when it is validated and to take it
back when it leaves that status (reopened). Cases are never deleted. The same
hooks keep each validated case's narrow row (``CaseFacts``, facts.py), which the
direct counts read.
"""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case as Choose
from django.db.models import (
    CharField,
    Count,
    DateField,
    DecimalField,
    F,
    FilteredRelation,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, TruncMonth
from django.utils.translation import gettext_lazy

from ..models import (
    Case,
    CaseStatus,
    CommodityLine,
    CommodityType,
    Dimension,
    DimensionStatMonth,
    RouteLeg,
    StatDimension,
    Unit,
)
from . import sql
from .facts import facts_case_remove, facts_cases_add, facts_rebuild

ALL = 0
EVERY_COUNTRY = ""
DIMENSION_COLUMN = {
    Dimension.MASS: 0,
    Dimension.VOLUME: 1,
    Dimension.COUNT: 2,
    Dimension.HEADS: 3,
}
# The summaries' quantity column of each dimension: quantities are never added across them.
QUANTITY_COLUMNS = {
    Dimension.MASS: "mass_kg",
    Dimension.VOLUME: "volume_l",
    Dimension.COUNT: "count_pieces",
    Dimension.HEADS: "heads",
}
LEG_KINDS = (StatDimension.DEPARTURE, StatDimension.TRANSIT, StatDimension.DESTINATION)
ROUTE_SEPARATOR = ">"


def route_value(departure: str, destination: str) -> str:
    """How a departure → destination pair is stored: "EC>FR"."""
    return f"{departure}{ROUTE_SEPARATOR}{destination}"


UNQUANTIFIED_COLUMN = len(DIMENSION_COLUMN)


def _levels(lines) -> dict[tuple[int, int], list]:
    """(area, commodity type) → quantities per dimension, then whether a line
    has no recorded quantity (0 or 1: the case counts once), at the three levels.
    A line without a recorded quantity adds nothing to the quantities."""
    levels: dict[tuple[int, int], list] = defaultdict(lambda: [Decimal(0)] * 4 + [0])
    for line in lines:
        area, commodity_type = line.commodity_type.area_id, line.commodity_type_id
        column = DIMENSION_COLUMN[line.unit.dimension]
        for level in ((ALL, ALL), (area, ALL), (area, commodity_type)):
            if line.quantity_not_recorded:
                levels[level][UNQUANTIFIED_COLUMN] = 1
            else:
                levels[level][column] += line.normalised_quantity
    return levels


def case_dimensions(case: Case) -> set[tuple[str, str]]:
    """(kind, value) of every dimension the case has. A country twice on one
    route in the same role (two transits) counts once."""
    legs = {(leg.kind, str(leg.country)) for leg in case.route_legs.all()}
    values = set(legs)
    departures = [country for kind, country in legs if kind == StatDimension.DEPARTURE]
    destinations = [country for kind, country in legs if kind == StatDimension.DESTINATION]
    values |= {
        (StatDimension.ROUTE, route_value(departure, destination))
        for departure in departures
        for destination in destinations
    }
    values.add((StatDimension.ADMINISTRATION, str(case.administration_id)))
    values.add((StatDimension.TRANSPORT_MODE, str(case.transport_mode_id)))
    values.add((StatDimension.DETECTION_METHOD, str(case.detection_method_id)))
    values |= {(StatDimension.CONCEALMENT, str(m.pk)) for m in case.concealment_methods.all()}
    return values


def case_contribution(case: Case) -> tuple[list[tuple], list[tuple]]:
    """The rows a validated case adds to the case and dimension tables."""
    month = case.seizure_date.replace(day=1)
    country = str(case.country)
    levels = _levels(case.lines.all())
    case_rows = [
        (month, country, area, commodity_type, 1, *quantities)
        for (area, commodity_type), quantities in levels.items()
    ]
    dimension_rows = [
        (kind, reporting, area, commodity_type, month, value, 1)
        for kind, value in sorted(case_dimensions(case))
        for reporting in (country, EVERY_COUNTRY)
        for area, commodity_type in levels
    ]
    return case_rows, dimension_rows


def _negated(rows: list[tuple], measures: int) -> list[tuple]:
    return [(*row[:-measures], *(-value for value in row[-measures:])) for row in rows]


PREFETCH = ("lines__commodity_type", "lines__unit", "route_legs", "concealment_methods")


def _loaded(case: Case) -> Case:
    return Case.objects.prefetch_related(*PREFETCH).get(pk=case.pk)


def statistics_case_add(*, case: Case) -> None:
    case_rows, dimension_rows = case_contribution(_loaded(case))
    sql.add("case", case_rows)
    sql.add("dimension", dimension_rows)
    facts_cases_add(case_ids=[case.pk])


def statistics_case_remove(*, case: Case) -> None:
    case_rows, dimension_rows = case_contribution(_loaded(case))
    sql.add("case", _negated(case_rows, len(sql.CASE_MEASURES)))
    sql.add("dimension", _negated(dimension_rows, len(sql.DIMENSION_MEASURES)))
    facts_case_remove(case_id=case.pk)


def statistics_case_status_changed(*, case: Case, previous: str) -> None:
    """Call after a case's status changed from ``previous`` to ``case.status``."""
    if previous == case.status:
        return
    if case.status == CaseStatus.VALIDATED:
        statistics_case_add(case=case)
    elif previous == CaseStatus.VALIDATED:
        statistics_case_remove(case=case)


# (vocabulary, field that places a line in the summary rows, the line's foreign key,
# the refusal)
PLACING_FIELDS = [
    (
        CommodityType,
        "area",
        "commodity_type",
        gettext_lazy(
            "Validated cases have lines of this commodity: it cannot move to another "
            "area. Create a new commodity type instead."
        ),
    ),
    (
        Unit,
        "dimension",
        "unit",
        gettext_lazy(
            "Validated cases have quantities in this unit: its dimension cannot change. "
            "Create a new unit instead."
        ),
    ),
]


def vocabulary_change_check(entry) -> None:
    """Refuse a vocabulary change that would move validated cases between the
    summary rows: a commodity type to another area, a unit to another dimension.
    (A unit's factor may change: lines keep the normalised quantity they were
    entered with.)"""
    for model, name, line_field, refusal in PLACING_FIELDS:
        if not isinstance(entry, model) or entry.pk is None:
            continue
        column = model._meta.get_field(name).attname
        stored = model.objects.filter(pk=entry.pk).values_list(column, flat=True).first()
        used = CommodityLine.objects.filter(
            case__status=CaseStatus.VALIDATED, **{line_field: entry}
        )
        if stored not in (None, getattr(entry, column)) and used.exists():
            raise ValidationError({name: refusal})


# --- The set-based rebuild -----------------------------------------------------------

LEVELS = (
    (Value(ALL), Value(ALL)),
    (F("commodity_type__area_id"), Value(ALL)),
    (F("commodity_type__area_id"), F("commodity_type_id")),
)
DECIMAL = DecimalField(max_digits=24, decimal_places=6)


def _validated_lines(case_ids: list[int] | None = None):
    """The lines of validated cases (of ``case_ids`` only, when given), with the
    month and reporting country of their case."""
    lines = CommodityLine.objects.filter(case__status=CaseStatus.VALIDATED)
    if case_ids is not None:
        lines = lines.filter(case_id__in=sql.among(case_ids))
    return lines.annotate(
        s_month=TruncMonth("case__seizure_date", output_field=DateField()),
        s_country=F("case__country"),
    )


def _quantity(dimension: str) -> Sum:
    return Sum(
        Choose(
            When(
                unit__dimension=dimension,
                quantity_not_recorded=False,
                then=F("normalised_quantity"),
            ),
            default=Value(Decimal(0)),
            output_field=DECIMAL,
        )
    )


def _case_rows(lines, area, commodity_type):
    return (
        lines.annotate(s_area=area, s_type=commodity_type)
        .values("s_month", "s_country", "s_area", "s_type")
        .annotate(
            s_cases=Count("case", distinct=True),
            **{f"s_{column}": _quantity(dim) for dim, column in QUANTITY_COLUMNS.items()},
            s_unquantified=Count("case", distinct=True, filter=Q(quantity_not_recorded=True)),
        )
        .order_by()
    )


def _dimension_sources(lines):
    """``lines`` annotated with s_kind and s_value, one queryset per kind of
    dimension (a line appears once per value its case has)."""
    yield (
        lines.annotate(
            s_kind=F("case__route_legs__kind"), s_value=F("case__route_legs__country")
        ).filter(s_kind__isnull=False)
    )
    yield (
        lines.annotate(
            departure=FilteredRelation(
                "case__route_legs", condition=Q(case__route_legs__kind=StatDimension.DEPARTURE)
            ),
            destination=FilteredRelation(
                "case__route_legs", condition=Q(case__route_legs__kind=StatDimension.DESTINATION)
            ),
        )
        .annotate(s_from=F("departure__country"), s_to=F("destination__country"))
        .filter(s_from__isnull=False, s_to__isnull=False)
        .annotate(
            s_kind=Value(StatDimension.ROUTE.value),
            s_value=Concat("s_from", Value(ROUTE_SEPARATOR), "s_to", output_field=CharField()),
        )
    )
    for kind, column in (
        (StatDimension.ADMINISTRATION, "case__administration_id"),
        (StatDimension.TRANSPORT_MODE, "case__transport_mode_id"),
        (StatDimension.DETECTION_METHOD, "case__detection_method_id"),
        (StatDimension.CONCEALMENT, "case__concealment_methods__id"),
    ):
        yield (
            lines.annotate(s_kind=Value(kind.value), s_raw=F(column))
            .filter(s_raw__isnull=False)
            .annotate(s_value=Cast("s_raw", CharField()))
        )


CASE_ALIASES = [
    "s_month",
    "s_country",
    "s_area",
    "s_type",
    "s_cases",
    *(f"s_{column}" for column in QUANTITY_COLUMNS.values()),
    "s_unquantified",
]
DIMENSION_ALIASES = ["s_kind", "s_country", "s_area", "s_type", "s_month", "s_value", "s_cases"]


def _dimension_rows(lines):
    """One grouped queryset per commodity level and kind of dimension: together
    the dimension table's rows of one reporting country, no key twice."""
    for area, commodity_type in LEVELS:
        for source in _dimension_sources(lines):
            yield (
                source.annotate(s_area=area, s_type=commodity_type)
                .values("s_kind", "s_country", "s_area", "s_type", "s_month", "s_value")
                .annotate(s_cases=Count("case", distinct=True))
                .order_by()
            )


@transaction.atomic
def statistics_rebuild() -> int:
    """Recompute both tables from the validated cases with ``INSERT … SELECT …
    GROUP BY`` statements, in one transaction; returns how many cases were counted."""
    sql.prepare_rebuild()
    sql.clear("case")
    sql.clear("dimension")
    lines = _validated_lines()
    for area, commodity_type in LEVELS:
        sql.insert_select("case", _case_rows(lines, area, commodity_type), CASE_ALIASES)
    for rows in _dimension_rows(lines):
        sql.insert_select("dimension", rows, DIMENSION_ALIASES)
    # Every case has one reporting country: the all-countries rows are sums.
    every_country = (
        DimensionStatMonth.objects.annotate(
            s_kind=F("kind"),
            s_country=Value(EVERY_COUNTRY),
            s_area=F("area"),
            s_type=F("commodity_type"),
            s_month=F("month"),
            s_value=F("value"),
        )
        .values("s_kind", "s_country", "s_area", "s_type", "s_month", "s_value")
        .annotate(s_cases=Sum("cases"))
        .order_by()
    )
    sql.insert_select("dimension", every_country, DIMENSION_ALIASES)
    facts_rebuild()
    return (
        Case.objects.filter(status=CaseStatus.VALIDATED, lines__isnull=False)
        .values("pk")
        .distinct()
        .count()
    )


def _batch_cases(case_ids: list[int]):
    """The validated cases of ``case_ids``: each one's month and reporting country."""
    return (
        Case.objects.filter(pk__in=sql.among(case_ids), status=CaseStatus.VALIDATED)
        .annotate(
            s_case=F("pk"),
            s_month=TruncMonth("seizure_date", output_field=DateField()),
            s_country=F("country"),
        )
        .values("s_case", "s_month", "s_country")
        .order_by()
    )


def _batch_levels(case_ids: list[int]):
    """Each case's commodity levels, once each: (case, area, commodity type)."""
    lines = CommodityLine.objects.filter(case_id__in=sql.among(case_ids))
    first, *others = [
        lines.annotate(s_case=F("case_id"), s_area=area, s_type=commodity_type)
        .values("s_case", "s_area", "s_type")
        .order_by()
        for area, commodity_type in LEVELS
    ]
    return first.union(*others)


def _batch_values(case_ids: list[int]):
    """Each case's dimension values, once each: (case, kind, value), as
    ``case_dimensions`` gives them for one case."""
    among = sql.among(case_ids)
    legs = RouteLeg.objects.filter(case_id__in=among).annotate(s_case=F("case_id"))
    cases = Case.objects.filter(pk__in=among).annotate(s_case=F("pk"))
    links = Case.concealment_methods.through.objects.filter(case_id__in=among)
    parts = [
        legs.annotate(s_kind=F("kind"), s_value=F("country")),
        legs.filter(kind=StatDimension.DEPARTURE)
        .annotate(
            destination=FilteredRelation(
                "case__route_legs", condition=Q(case__route_legs__kind=StatDimension.DESTINATION)
            )
        )
        .filter(destination__country__isnull=False)
        .annotate(
            s_kind=Value(StatDimension.ROUTE.value, output_field=CharField()),
            s_value=Concat(
                "country", Value(ROUTE_SEPARATOR), "destination__country", output_field=CharField()
            ),
        ),
        *(
            cases.filter(**{f"{column}__isnull": False}).annotate(
                s_kind=Value(kind.value, output_field=CharField()),
                s_value=Cast(column, CharField()),
            )
            for kind, column in (
                (StatDimension.ADMINISTRATION, "administration_id"),
                (StatDimension.TRANSPORT_MODE, "transport_mode_id"),
                (StatDimension.DETECTION_METHOD, "detection_method_id"),
            )
        ),
        links.annotate(
            s_case=F("case_id"),
            s_kind=Value(StatDimension.CONCEALMENT.value, output_field=CharField()),
            s_value=Cast("concealmentmethod_id", CharField()),
        ),
    ]
    first, *others = [part.values("s_case", "s_kind", "s_value").order_by() for part in parts]
    return first.union(*others)


@transaction.atomic
def statistics_cases_add(*, case_ids: list[int]) -> None:
    """Add the contribution of cases just validated together (a bulk validation),
    as ``statistics_case_add`` does for one, set-based: one ``INSERT … SELECT …
    ON CONFLICT`` per table. The case table takes the rebuild's own ``SELECT …
    GROUP BY`` limited to these cases; the dimension table joins each case's
    levels to its dimension values (a few rows per case each) and counts."""
    if not case_ids:
        return
    lines = _validated_lines(case_ids)
    sql.add_select(
        "case",
        [_case_rows(lines, area, commodity_type) for area, commodity_type in LEVELS],
        CASE_ALIASES,
    )
    sql.add_joined(
        "dimension",
        cases=_batch_cases(case_ids),
        levels=_batch_levels(case_ids),
        values=_batch_values(case_ids),
        every=EVERY_COUNTRY,
    )
    facts_cases_add(case_ids=case_ids)
