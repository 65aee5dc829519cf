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
    DimensionStatMonth,
    RouteLeg,
)
from seizures.services import cases as services
from seizures.statistics.summary import ALL
from seizures.validation import CaseData

from ..conftest import trace_data
from .facts_reference import assert_facts_agree_with_the_cases

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
            rows.setdefault(
                key,
                {"cases": 0, **dict.fromkeys(COLUMNS.values(), Decimal(0)), "unquantified": 0},
            )
            rows[key]["cases"] += 1
            lines = CommodityLine.objects.filter(case=case)
            if area:
                lines = lines.filter(commodity_type__area=area)
            if commodity_type:
                lines = lines.filter(commodity_type=commodity_type)
            for sums in lines.values("unit__dimension").annotate(total=Sum("normalised_quantity")):
                rows[key][COLUMNS[sums["unit__dimension"]]] += sums["total"] or 0
            rows[key]["unquantified"] += lines.filter(quantity_not_recorded=True).exists()
    return rows


def _stored_case_rows() -> dict:
    return {
        (row.month, row.country, row.area, row.commodity_type): {
            "cases": row.cases,
            **{column: getattr(row, column).normalize() for column in COLUMNS.values()},
            "unquantified": row.unquantified,
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


def _direct_dimension_rows() -> dict:
    """The dimension table recomputed straight from the validated cases."""
    rows = {}
    for case in Case.objects.filter(status=CaseStatus.VALIDATED):
        month = case.seizure_date.replace(day=1)
        types = CommodityType.objects.filter(commodityline__case=case).distinct()
        levels = (
            {(ALL, ALL)} | {(t.area_id, ALL) for t in types} | {(t.area_id, t.pk) for t in types}
        )
        legs = set(RouteLeg.objects.filter(case=case).values_list("kind", "country"))
        values = {(kind, str(country)) for kind, country in legs}
        values |= {
            ("route", f"{departure}>{destination}")
            for kind, departure in legs
            if kind == "departure"
            for other, destination in legs
            if other == "destination"
        }
        values |= {("administration", str(case.administration_id))}
        values |= {("transport_mode", str(case.transport_mode_id))}
        values |= {("detection_method", str(case.detection_method_id))}
        values |= {
            ("concealment", str(pk)) for pk in case.concealment_methods.values_list("pk", flat=True)
        }
        for kind, value in values:
            for reporting in (str(case.country), ""):
                for area, commodity_type in levels:
                    key = (kind, reporting, area, commodity_type, month, value)
                    rows[key] = rows.get(key, 0) + 1
    return rows


def _stored_dimension_rows() -> dict:
    return {
        (row.kind, row.country, row.area, row.commodity_type, row.month, row.value): row.cases
        for row in DimensionStatMonth.objects.all()
    }


def assert_summaries_agree_with_the_cases():
    assert _stored_case_rows() == _normalised(_direct_case_rows())
    assert _stored_dimension_rows() == _direct_dimension_rows()
    assert_facts_agree_with_the_cases()


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
    assert not DimensionStatMonth.objects.filter(value="CN").exists()
    assert (
        not CaseStatMonth.objects.filter(month=datetime.date(2025, 5, 1), area=ALL)
        .exclude(cases=1)
        .exists()
    )


def test_a_country_twice_on_a_route_counts_once(series):
    services.case_validate(user=series["admins"]["fr"], case=series["mixed"])
    row = DimensionStatMonth.objects.get(
        kind="transit", value="PA", country="", area=ALL, commodity_type=ALL
    )
    assert row.cases == 1


def test_rebuild_recomputes_the_same_rows(series):
    fr = series["admins"]["fr"]
    for name in ("mixed", "same_month"):
        services.case_validate(user=fr, case=series[name])
    before_case, before_dimension = _stored_case_rows(), _stored_dimension_rows()
    CaseStatMonth.objects.update(cases=99)
    DimensionStatMonth.objects.all().delete()

    call_command("rebuild_statistics", stdout=io.StringIO())

    assert _stored_case_rows() == before_case
    assert _stored_dimension_rows() == before_dimension
    assert_summaries_agree_with_the_cases()
    assert Case.objects.filter(status=CaseStatus.VALIDATED).aggregate(n=Count("pk"))["n"] == 2


def _validate_all(series):
    fr, ke = series["admins"]["fr"], series["admins"]["ke"]
    for name in ("mixed", "same_month", "other_month"):
        services.case_validate(user=fr, case=series[name])
    services.case_validate(user=ke, case=series["kenya"])


def test_rebuild_counts_concealment_and_two_departures(series, record, officer, vocab):
    from seizures.models import ConcealmentMethod

    case = record(
        officer,
        date=datetime.date(2025, 8, 5),
        legs=[("departure", "CO"), ("departure", "EC"), ("destination", "FR")],
        concealment_methods=list(ConcealmentMethod.objects.order_by("order")[:2]),
    )
    services.case_validate(user=series["admins"]["fr"], case=case)
    _validate_all(series)
    assert_summaries_agree_with_the_cases()
    incremental = _stored_dimension_rows()
    assert any(key[0] == "concealment" for key in incremental)
    assert ("route", "", ALL, ALL, datetime.date(2025, 8, 1), "CO>FR") in incremental

    counted = services_rebuild()
    assert counted == 5
    assert _stored_dimension_rows() == incremental
    assert_summaries_agree_with_the_cases()


def services_rebuild() -> int:
    from seizures.statistics.summary import statistics_rebuild

    return statistics_rebuild()


def test_bulk_update_cannot_touch_a_validated_case(series, national_admin, vocab):
    from django.core.exceptions import PermissionDenied

    _validate_all(series)
    before = _stored_case_rows(), _stored_dimension_rows()
    case = Case.objects.get(pk=series["mixed"].pk)
    data = CaseData(
        fields={
            "seizure_date": datetime.date(2025, 1, 9),
            "country": case.country,
            "transport_mode": vocab.transport,
            "detection_method": vocab.detection,
        },
        lines=[{"commodity_type": vocab.cocaine, "quantity": Decimal("2"), "unit": vocab.kg}],
        legs=[],
        offenders=[],
    )
    with pytest.raises(PermissionDenied):
        services.cases_save_many(user=national_admin, items=[(data, case)], source="upload")
    assert (_stored_case_rows(), _stored_dimension_rows()) == before
    assert_summaries_agree_with_the_cases()


def _vocabulary_post(client, entry, slug: str, **changes):
    from django.urls import reverse

    data = {
        **{f"label_{lang}": entry.label_en for lang in ("en", "fr", "es", "ru", "ar", "pt")},
        "order": entry.order,
        "is_active": "on",
        **changes,
    }
    return client.post(reverse("seizures:vocabulary-update", args=[slug, entry.pk]), data)


def test_a_commodity_of_validated_cases_cannot_move_to_another_area(
    series, as_user, wco_staff, vocab
):
    from seizures.models import CommodityArea

    _validate_all(series)
    cocaine = CommodityType.objects.get(pk=vocab.cocaine.pk)
    other = CommodityArea.objects.exclude(pk=cocaine.area_id).first()
    client = as_user(wco_staff)
    fields = {"default_unit": cocaine.default_unit_id}
    response = _vocabulary_post(client, cocaine, "commoditytype", area=other.pk, **fields)
    assert response.status_code == 200
    assert "cannot move to another area" in response.content.decode()
    cocaine.refresh_from_db()
    assert cocaine.area_id != other.pk
    # A commodity no validated case uses may move.
    unused = CommodityType.objects.exclude(commodityline__case__status="validated").first()
    fields = {"default_unit": unused.default_unit_id}
    response = _vocabulary_post(client, unused, "commoditytype", area=other.pk, **fields)
    assert response.status_code == 302
    assert_summaries_agree_with_the_cases()


def test_a_unit_of_validated_cases_cannot_change_dimension(series, as_user, wco_staff, vocab):
    from seizures.models import Unit

    _validate_all(series)
    kg = Unit.objects.get(pk=vocab.kg.pk)
    client = as_user(wco_staff)
    response = _vocabulary_post(client, kg, "unit", dimension="volume", factor="1")
    assert "its dimension cannot change" in response.content.decode()
    kg.refresh_from_db()
    assert kg.dimension == "mass"
    # Its factor may change: the lines keep their normalised quantities.
    response = _vocabulary_post(client, kg, "unit", dimension="mass", factor="2")
    assert response.status_code == 302
    assert_summaries_agree_with_the_cases()


def test_a_line_without_a_recorded_quantity_counts_apart_and_never_in_the_sums(
    series, officer, vocab
):
    """A trace of cocaine beside 2 kg of it: the case counts once, 2 kg are summed,
    and the case is counted among those with a quantity not recorded."""
    more = {"commodity_type": vocab.cocaine, "quantity": Decimal("2"), "unit": vocab.kg}
    data = trace_data(officer, vocab, date=datetime.date(2025, 9, 3), more_lines=[more])
    trace = services.case_create(user=officer, data=data)
    services.case_submit(user=officer, case=trace)
    services.case_validate(user=series["admins"]["fr"], case=trace)
    _validate_all(series)
    assert_summaries_agree_with_the_cases()
    september = CaseStatMonth.objects.get(
        month=datetime.date(2025, 9, 1), area=ALL, commodity_type=ALL
    )
    assert (september.cases, september.mass_kg, september.unquantified) == (1, 2, 1)
    assert CaseStatMonth.objects.filter(unquantified__gt=0).count() == 3  # the three levels
    incremental = _stored_case_rows()
    services_rebuild()
    assert _stored_case_rows() == incremental
