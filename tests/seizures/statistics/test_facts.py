"""``CaseFacts``: the narrow per-case rows the direct counts read on PostgreSQL."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from seizures.models import CaseFacts, CommodityType, ConcealmentMethod
from seizures.services import cases as services

from .facts_reference import assert_facts_agree_with_the_cases

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="CaseFacts is kept on PostgreSQL only"
)


@pytest.fixture
def case(record, officer, national_admin, trace_not_known):
    concealments = list(ConcealmentMethod.objects.order_by("order"))[:2]
    case = record(
        officer,
        date=datetime.date(2025, 5, 17),
        quantity="120",
        more_lines=[("CIGARETTES", "50", "CARTON"), ("COCAINE", "500", "G")],
        legs=[("departure", "EC"), ("departure", "CO"), ("transit", "PA"), ("transit", "PA")],
        concealment_methods=concealments,
    )
    services.case_validate(user=national_admin, case=case)
    return case


def test_a_row_holds_the_case_its_route_and_its_lines(case, vocab):
    cigarettes = CommodityType.objects.get(code="CIGARETTES")
    row = CaseFacts.objects.get(case=case)
    assert row.month == datetime.date(2025, 5, 1)
    assert (row.country, row.administration_id) == ("FR", case.administration_id)
    assert row.departures == ["CO", "EC"]  # sorted, each once
    assert row.transits == ["PA"]
    assert row.destinations == []
    assert row.concealments == sorted(case.concealment_methods.values_list("pk", flat=True))
    assert row.areas == sorted({vocab.cocaine.area_id, cigarettes.area_id})
    assert row.line_types == [vocab.cocaine.pk, cigarettes.pk, vocab.cocaine.pk]
    assert row.line_dimensions == ["mass", "count", "mass"]
    assert row.mass_kg == Decimal("120.5")  # 120 kg and 500 g; the cartons are pieces
    assert row.not_recorded is False
    assert row.count_pieces > 0


def test_a_trace_is_recorded_as_not_recorded_and_adds_nothing(trace_not_known):
    row = CaseFacts.objects.get(case=trace_not_known)
    assert row.not_recorded is True
    assert row.line_not_recorded[0] is True and row.line_quantities[0] is None
    assert row.mass_kg == 0


def test_reopening_removes_the_row_and_validating_again_writes_it(case, national_admin, officer):
    services.case_reopen(user=national_admin, case=case)
    assert not CaseFacts.objects.filter(case=case).exists()
    services.case_submit(user=officer, case=case)
    services.case_validate(user=national_admin, case=case)
    assert CaseFacts.objects.filter(case=case).exists()
    assert_facts_agree_with_the_cases()


def test_rebuild_statistics_and_the_migration_fill_the_rows_afresh(case):
    CaseFacts.objects.all().delete()
    call_command("rebuild_statistics", stdout=None)
    assert_facts_agree_with_the_cases()
    CaseFacts.objects.all().delete()
    migration = importlib.import_module("seizures.migrations.0027_case_facts")
    with connection.schema_editor() as editor:
        from django.apps import apps

        migration.fill(apps, editor)
    assert_facts_agree_with_the_cases()
    assert CaseFacts.objects.count() == 2
