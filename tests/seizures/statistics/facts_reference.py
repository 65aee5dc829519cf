"""``CaseFacts`` recomputed in Python straight from the cases, to compare with
the rows the hooks keep (imported by the summary and bulk tests)."""

from collections import defaultdict
from decimal import Decimal

from django.db import connection

from seizures.models import Case, CaseFacts, CaseStatus

SUMS = {"mass": "mass_kg", "volume": "volume_l", "count": "count_pieces", "heads": "heads"}


def expected_facts() -> dict[int, dict]:
    rows = {}
    cases = Case.objects.filter(status=CaseStatus.VALIDATED).prefetch_related(
        "lines__commodity_type", "lines__unit", "route_legs", "concealment_methods"
    )
    for case in cases:
        lines = sorted(case.lines.all(), key=lambda line: line.pk)
        legs = case.route_legs.all()
        per_area = defaultdict(lambda: {"not_recorded": False, **dict.fromkeys(SUMS, Decimal(0))})
        total = {"not_recorded": False, **dict.fromkeys(SUMS, Decimal(0))}
        for line in lines:
            for sums in (per_area[line.commodity_type.area_id], total):
                if line.quantity_not_recorded:
                    sums["not_recorded"] = True
                else:
                    sums[line.unit.dimension] += line.normalised_quantity
        areas = sorted(per_area)
        rows[case.pk] = {
            "month": case.seizure_date.replace(day=1),
            "country": str(case.country),
            "administration_id": case.administration_id,
            "transport_mode_id": case.transport_mode_id,
            "detection_method_id": case.detection_method_id,
            **{
                f"{kind}s": sorted({str(leg.country) for leg in legs if leg.kind == kind})
                for kind in ("departure", "transit", "destination")
            },
            "concealments": sorted(method.pk for method in case.concealment_methods.all()),
            "not_recorded": total["not_recorded"],
            **{column: total[dimension] for dimension, column in SUMS.items()},
            "areas": areas,
            "line_areas": [line.commodity_type.area_id for line in lines],
            "line_types": [line.commodity_type_id for line in lines],
            "line_dimensions": [line.unit.dimension for line in lines],
            "line_quantities": [line.normalised_quantity for line in lines],
            "line_not_recorded": [line.quantity_not_recorded for line in lines],
        }
    return rows


def stored_facts() -> dict[int, dict]:
    fields = [field.attname for field in CaseFacts._meta.fields if field.attname != "case_id"]
    return {row.pop("case_id"): row for row in CaseFacts.objects.values("case_id", *fields)}


def assert_facts_agree_with_the_cases() -> None:
    """Kept on PostgreSQL; on SQLite the table stays empty."""
    expected = expected_facts() if connection.vendor == "postgresql" else {}
    assert stored_facts() == expected
