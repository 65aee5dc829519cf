import datetime

import pytest
from django.http import QueryDict

from accounts.models import Role
from seizures.indicators import services as indicator_services
from seizures.indicators.filters import indicator_search_form
from seizures.models import ConcealmentMethod, IndicatorSharing, TransportMode
from seizures.services import cases as case_services


def concealment(code):
    return ConcealmentMethod.objects.get(code=code)


@pytest.fixture
def kenyan_admin(make_user, kenya):
    return make_user(kenya, Role.NATIONAL_ADMIN)


@pytest.fixture
def known_cases(record, make_case, officer, kenyan_officer, national_admin, kenyan_admin):
    """Four validated cases with cocaine, one without; cocaine cases that are a
    draft, submitted or rejected, which must never count."""
    air, sea = TransportMode.objects.order_by("order")[:2]
    french = {
        "ec_cargo": record(
            officer,
            date=datetime.date(2025, 1, 10),
            quantity="120",
            more_lines=[("COCAINE", "500", "G")],  # the same case: 120.5 kg
            legs=[("departure", "EC"), ("transit", "PA"), ("destination", "FR")],
            concealment_methods=[concealment("MIXED_IN_CARGO")],
            transport_mode=sea,
        ),
        "ec_container": record(
            officer,
            date=datetime.date(2025, 1, 25),
            quantity="30",
            legs=[("departure", "EC"), ("destination", "FR")],
            concealment_methods=[
                concealment("MIXED_IN_CARGO"),
                concealment("CONTAINER_STRUCTURE"),
            ],
            transport_mode=sea,
        ),
        "co_liquid": record(
            officer,
            date=datetime.date(2025, 3, 5),
            quantity="4",
            unit="L",
            legs=[("departure", "CO"), ("destination", "FR")],
            concealment_methods=[concealment("IN_LUGGAGE")],
            transport_mode=air,
        ),
        "cigarettes": record(
            officer,
            date=datetime.date(2025, 3, 6),
            commodity="CIGARETTES",
            quantity="50",
            unit="CARTON",
            legs=[("departure", "AE"), ("destination", "FR")],
        ),
    }
    kenyan = record(
        kenyan_officer,
        date=datetime.date(2025, 3, 20),
        quantity="10",
        more_lines=[("CIGARETTES", "200", "STICK")],  # pieces: never with the kg
        legs=[("departure", "EC"), ("destination", "KE")],
        transport_mode=sea,
    )
    for case in french.values():
        case_services.case_validate(user=national_admin, case=case)
    case_services.case_validate(user=kenyan_admin, case=kenyan)
    # Never counted: a submitted case, a rejected one and a draft.
    record(officer, date=datetime.date(2025, 1, 12), quantity="888", legs=[("departure", "EC")])
    rejected = record(officer, date=datetime.date(2025, 1, 13), quantity="777")
    case_services.case_reject(user=national_admin, case=rejected, reason="Duplicate")
    make_case(officer, date=datetime.date(2025, 1, 14), quantity="999")
    return {**french, "kenyan": kenyan}


@pytest.fixture
def cocaine_query(vocab):
    return f"commodity_type={vocab.cocaine.pk}"


@pytest.fixture
def make_indicator(cocaine_query):
    def make(
        owner, *, sharing=IndicatorSharing.PRIVATE, shared_with=(), query=None, name="Cocaine"
    ):
        return indicator_services.risk_indicator_create(
            user=owner,
            name=name,
            description="Cocaine by sea from Ecuador",
            query=query or cocaine_query,
            sharing=sharing,
            shared_with=list(shared_with),
        )

    return make


def filters_of(query: str) -> dict:
    return indicator_search_form(query).cleaned_data


def query_dict(query: str) -> QueryDict:
    return QueryDict(query)
