import datetime

import pytest
from django.db import connection

from seizures.services import cases as services


@pytest.fixture
def validated(record, officer, kenyan_officer, national_admin, make_user, kenya):
    from accounts.models import Role

    kenyan_admin = make_user(kenya, Role.NATIONAL_ADMIN)
    fr = [
        record(
            officer,
            date=datetime.date(2025, 5, 1),
            quantity="120",
            more_lines=[("CIGARETTES", "50", "CARTON"), ("COCAINE", "500", "G")],
            legs=[("departure", "EC"), ("transit", "PA"), ("destination", "FR")],
        ),
        record(officer, date=datetime.date(2025, 5, 20), quantity="3", legs=[("departure", "EC")]),
        record(
            officer,
            date=datetime.date(2025, 6, 2),
            commodity="CIGARETTES",
            quantity="10",
            unit="CARTON",
            legs=[("departure", "AE"), ("destination", "FR")],
        ),
    ]
    ke = [
        record(
            kenyan_officer,
            date=datetime.date(2025, 5, 3),
            commodity="IVORY",
            quantity="300",
            legs=[("departure", "KE"), ("destination", "CN")],
        )
    ]
    for case in fr:
        services.case_validate(user=national_admin, case=case)
    for case in ke:
        services.case_validate(user=kenyan_admin, case=case)
    # Neither a draft nor a submitted case ever counts.
    record(officer, date=datetime.date(2025, 5, 2), quantity="999", legs=[("departure", "EC")])
    return fr + ke


@pytest.fixture
def trace_not_known(officer, national_admin, vocab):
    """A validated case with a trace of cocaine (quantity not recorded) whose
    transport mode and detection method are not known."""
    from seizures.models import NOT_KNOWN, DetectionMethod, TransportMode

    from ..conftest import trace_data

    data = trace_data(
        officer,
        vocab,
        date=datetime.date(2025, 5, 12),
        transport_mode=TransportMode.objects.get(code=NOT_KNOWN),
        detection_method=DetectionMethod.objects.get(code=NOT_KNOWN),
    )
    case = services.case_create(user=officer, data=data)
    services.case_submit(user=officer, case=case)
    services.case_validate(user=national_admin, case=case)
    return case


@pytest.fixture(params=["facts", "joined"])
def direct_path(request):
    """Every test here runs on each path of the direct counts: the copy of the
    cases' ``CaseFacts`` rows (PostgreSQL) and the portable copy joined to the
    line, leg and concealment tables (SQLite's, forced on PostgreSQL too)."""
    if request.param == "facts" and connection.vendor != "postgresql":
        pytest.skip("CaseFacts is kept on PostgreSQL only")
    if request.param == "joined":
        from seizures.statistics import matching

        request.getfixturevalue("monkeypatch").setattr(matching, "facts_kept", lambda: False)
    return request.param
