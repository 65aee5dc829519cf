import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from seizures.models import (
    Case,
    CaseStatMonth,
    CaseStatus,
    CommodityLine,
    CommodityType,
    RouteLeg,
    RouteStatMonth,
)
from seizures.services import cases as services
from seizures.statistics.summary import ALL
from seizures.validation import CaseData

COLUMNS = {"mass": "mass_kg", "volume": "volume_l", "count": "count_pieces", "heads": "heads"}


def _direct_case_rows() -> dict:
    """The case table recomputed straight from the validated cases."""
    rows = {}
    validated = Case.objects.filter(status=CaseStatus.VALIDATED)
    for case in validated:
        month = case.seizure_date.replace(day=1)
        types = CommodityType.objects.filter(commodityline__case=case).distinct()
        levels = (
            {(ALL, ALL)} | {(t.area_id, ALL) for t in types} | {(t.area_id, t.pk) for t in types}
        )
        for area, commodity_type in levels:
            key = (month, str(case.country), area, commodity_type)
            rows.setdefault(key, {"cases": 0, **dict.fromkeys(COLUMNS.values(), Decimal(0))})
            rows[key]["cases"] += 1
            lines = CommodityLine.objects.filter(case=case)
            if area:
                lines = lines.filter(commodity_type__area=area)
            if commodity_type:
                lines = lines.filter(commodity_type=commodity_type)
            for sums in lines.values("unit__dimension").annotate(total=Sum("normalised_quantity")):
                rows[key][COLUMNS[sums["unit__dimension"]]] += sums["total"]
    return rows


def _stored_case_rows() -> dict:
    return {
        (row.month, row.country, row.area, row.commodity_type): {
            "cases": row.cases,
            **{column: getattr(row, column).normalize() for column in COLUMNS.values()},
        }
        for row in CaseStatMonth.objects.all()
    }


def _normalised(rows: dict) -> dict:
    return {
        key: {
            name: value.normalize() if isinstance(value, Decimal) else value
            for name, value in measures.items()
        }
        for key, measures in rows.items()
    }


def _direct_route_rows() -> dict:
    rows = {}
    legs = (
        RouteLeg.objects.filter(case__status=CaseStatus.VALIDATED)
        .values("case", "case__seizure_date", "kind", "country")
        .order_by()
        .distinct()
    )
    for leg in legs:
        month = leg["case__seizure_date"].replace(day=1)
        types = CommodityType.objects.filter(commodityline__case=leg["case"]).distinct()
        levels = (
            {(ALL, ALL)} | {(t.area_id, ALL) for t in types} | {(t.area_id, t.pk) for t in types}
        )
        for area, commodity_type in levels:
            key = (month, leg["kind"], str(leg["country"]), area, commodity_type)
            rows[key] = rows.get(key, 0) + 1
    return rows


def _stored_route_rows() -> dict:
    return {
        (row.month, row.kind, row.country, row.area, row.commodity_type): row.cases
        for row in RouteStatMonth.objects.all()
    }


def assert_summaries_agree_with_the_cases():
    assert _stored_case_rows() == _normalised(_direct_case_rows())
    assert _stored_route_rows() == _direct_route_rows()


@pytest.fixture
def series(record, officer, kenyan_officer, national_admin, make_user, kenya):
    from accounts.models import Role

    kenyan_admin = make_user(kenya, Role.NATIONAL_ADMIN)
    return {
        "mixed": record(
            officer,
            date=datetime.date(2025, 5, 1),
            quantity="120",
            more_lines=[("CIGARETTES", "50", "CARTON"), ("COCAINE", "500", "G")],
            legs=[("departure", "EC"), ("transit", "PA"), ("transit", "PA"), ("destination", "FR")],
        ),
        "same_month": record(
            officer, date=datetime.date(2025, 5, 20), quantity="3", legs=[("departure", "EC")]
        ),
        "other_month": record(
            officer,
            date=datetime.date(2025, 6, 2),
            commodity="CIGARETTES",
            quantity="10",
            unit="CARTON",
        ),
        "kenya": record(
            kenyan_officer,
            date=datetime.date(2025, 5, 3),
            commodity="IVORY",
            quantity="300",
            legs=[("departure", "KE"), ("destination", "CN")],
        ),
        "admins": {"fr": national_admin, "ke": kenyan_admin},
    }


def test_summaries_follow_validation_rejection_and_reopening(series, officer, vocab):
    fr, ke = series["admins"]["fr"], series["admins"]["ke"]
    assert not CaseStatMonth.objects.exists()  # submitted cases do not count

    for name in ("mixed", "same_month", "other_month"):
        services.case_validate(user=fr, case=series[name])
    services.case_validate(user=ke, case=series["kenya"])
    assert_summaries_agree_with_the_cases()
    total = CaseStatMonth.objects.get(
        month=datetime.date(2025, 5, 1), country="FR", area=ALL, commodity_type=ALL
    )
    assert total.cases == 2
    # 120 kg + 0.5 kg + 3 kg of cocaine; the cartons are pieces, never kilograms.
    assert total.mass_kg == Decimal("123.5")
    assert total.count_pieces > 0

    services.case_reopen(user=fr, case=series["mixed"])
    assert_summaries_agree_with_the_cases()

    # Reopened, edited (another month, one line), resubmitted and rejected: not counted.
    case = Case.objects.get(pk=series["mixed"].pk)
    data = CaseData(
        fields={
            "seizure_date": datetime.date(2025, 7, 9),
            "country": case.country,
            "transport_mode": vocab.transport,
            "detection_method": vocab.detection,
        },
        lines=[{"commodity_type": vocab.cocaine, "quantity": Decimal("2"), "unit": vocab.kg}],
        legs=[{"kind": "destination", "country": "FR", "place": ""}],
        offenders=[],
    )
    services.case_update(user=officer, case=case, data=data)
    services.case_submit(user=officer, case=case)
    services.case_reject(user=fr, case=case, reason="Wrong date")
    assert_summaries_agree_with_the_cases()
    services.case_submit(user=officer, case=case)
    services.case_validate(user=fr, case=case)
    assert_summaries_agree_with_the_cases()

    services.case_reopen(user=ke, case=series["kenya"])
    assert_summaries_agree_with_the_cases()
    assert not RouteStatMonth.objects.filter(country="CN").exists()
    assert (
        not CaseStatMonth.objects.filter(month=datetime.date(2025, 5, 1), area=ALL)
        .exclude(cases=1)
        .exists()
    )


def test_a_country_twice_on_a_route_counts_once(series):
    services.case_validate(user=series["admins"]["fr"], case=series["mixed"])
    row = RouteStatMonth.objects.get(kind="transit", country="PA", area=ALL, commodity_type=ALL)
    assert row.cases == 1


def test_rebuild_recomputes_the_same_rows(series):
    fr = series["admins"]["fr"]
    for name in ("mixed", "same_month"):
        services.case_validate(user=fr, case=series[name])
    before_case, before_route = _stored_case_rows(), _stored_route_rows()
    CaseStatMonth.objects.update(cases=99)
    RouteStatMonth.objects.all().delete()

    call_command("rebuild_statistics", stdout=io.StringIO())

    assert _stored_case_rows() == before_case
    assert _stored_route_rows() == before_route
    assert_summaries_agree_with_the_cases()
    assert Case.objects.filter(status=CaseStatus.VALIDATED).aggregate(n=Count("pk"))["n"] == 2
