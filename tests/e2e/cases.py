"""Validated cases for the browser journeys, made through the services."""

from decimal import Decimal

from seizures import services
from seizures.models import CommodityType, DetectionMethod, TransportMode, Unit
from seizures.photos import photo_sanitise
from seizures.validation import CaseData

from ..seizures.conftest import upload
from ..seizures.test_photo_search import picture


def validated_case(officer, admin, when, *, commodity="COCAINE", legs=(), photo_seed=None):
    """25 kg of ``commodity`` seized on ``when`` in the officer's country, with
    route ``legs`` ((kind, country) pairs) and a concealment photo drawn from
    ``photo_seed``, submitted by the officer and validated by ``admin``."""
    data = CaseData(
        fields={
            "seizure_date": when,
            "country": officer.administration.country,
            "transport_mode": TransportMode.objects.first(),
            "detection_method": DetectionMethod.objects.first(),
        },
        lines=[
            {
                "commodity_type": CommodityType.objects.get(code=commodity),
                "quantity": Decimal("25"),
                "unit": Unit.objects.get(code="KG"),
            }
        ],
        legs=[{"kind": kind, "country": country, "place": ""} for kind, country in legs],
        offenders=[],
    )
    case = services.case_create(user=officer, data=data)
    if photo_seed is not None:
        services.photo_add(
            user=officer,
            case=case,
            clean_image=photo_sanitise(upload(picture(photo_seed))),
            kind="concealment",
        )
    services.case_submit(user=officer, case=case)
    services.case_validate(user=admin, case=case)
    return case
