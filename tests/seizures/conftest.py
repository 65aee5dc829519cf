import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Role
from seizures import services
from seizures.models import (
    CommodityType,
    DetectionMethod,
    TransportMode,
    Unit,
)
from seizures.validation import CaseData


def jpeg_bytes(size=(64, 48), color=(200, 30, 30), exif=None) -> bytes:
    out = BytesIO()
    image = Image.new("RGB", size, color)
    image.save(out, format="JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def vocab(db):
    class Vocab:
        cocaine = CommodityType.objects.get(code="COCAINE")
        cigarettes = CommodityType.objects.get(code="CIGARETTES")
        kg = Unit.objects.get(code="KG")
        g = Unit.objects.get(code="G")
        stick = Unit.objects.get(code="STICK")
        carton = Unit.objects.get(code="CARTON")
        transport = TransportMode.objects.order_by("order").first()
        detection = DetectionMethod.objects.order_by("order").first()

    return Vocab


def trace_data(user, vocab, *, date, more_lines=(), **fields) -> CaseData:
    """A case of ``user``'s own country with a trace of cocaine: a line whose
    quantity is not recorded, then ``more_lines`` (line dicts)."""
    return CaseData(
        fields={
            "seizure_date": date,
            "country": user.administration.country,
            "transport_mode": vocab.transport,
            "detection_method": vocab.detection,
            "national_reference": "",
            **fields,
        },
        lines=[
            {
                "commodity_type": vocab.cocaine,
                "quantity": None,
                "quantity_not_recorded": True,
                "unit": vocab.kg,
            },
            *more_lines,
        ],
        legs=[],
        offenders=[],
    )


@pytest.fixture
def analyst(make_user, france):
    return make_user(france, Role.ANALYST)


@pytest.fixture
def kenyan_officer(make_user, kenya):
    return make_user(kenya, Role.OFFICER)


@pytest.fixture
def make_case(vocab):
    def make(user, *, date=datetime.date(2026, 3, 14), quantity="12.5", unit=None, legs=None):
        data = CaseData(
            fields={
                "seizure_date": date,
                "country": user.administration.country,
                "transport_mode": vocab.transport,
                "detection_method": vocab.detection,
                "national_reference": "",
            },
            lines=[
                {
                    "commodity_type": vocab.cocaine,
                    "quantity": Decimal(quantity),
                    "unit": unit or vocab.kg,
                }
            ],
            legs=legs or [],
            offenders=[],
        )
        return services.case_create(user=user, data=data)

    return make


@pytest.fixture
def record(vocab):
    """Create and submit a case with the given details."""

    def record(
        user,
        *,
        date,
        commodity="COCAINE",
        quantity="10",
        unit="KG",
        legs=(),
        more_lines=(),
        **fields,
    ):
        """``more_lines``: further (commodity code, quantity, unit code) lines."""
        data = CaseData(
            fields={
                "seizure_date": date,
                "country": user.administration.country,
                "transport_mode": vocab.transport,
                "detection_method": vocab.detection,
                "national_reference": "",
                **fields,
            },
            lines=[
                {
                    "commodity_type": CommodityType.objects.get(code=commodity),
                    "quantity": Decimal(quantity),
                    "unit": Unit.objects.get(code=unit),
                    "description": fields.pop("description", ""),
                },
                *[
                    {
                        "commodity_type": CommodityType.objects.get(code=code),
                        "quantity": Decimal(amount),
                        "unit": Unit.objects.get(code=unit_code),
                    }
                    for code, amount, unit_code in more_lines
                ],
            ],
            legs=[{"kind": kind, "country": country, "place": ""} for kind, country in legs],
            offenders=[],
        )
        case = services.case_create(user=user, data=data)
        services.case_submit(user=user, case=case)
        return case

    return record


@pytest.fixture
def cases(record, officer, kenyan_officer):
    return {
        "fr_cocaine": record(
            officer,
            date=datetime.date(2025, 5, 1),
            quantity="120",
            legs=[("departure", "EC"), ("transit", "PA"), ("destination", "FR")],
            narrative="Hidden in banana boxes",
        ),
        "fr_cigarettes": record(
            officer,
            date=datetime.date(2026, 2, 1),
            commodity="CIGARETTES",
            quantity="50",
            unit="CARTON",
            legs=[("departure", "AE"), ("destination", "FR")],
        ),
        "ke_ivory": record(
            kenyan_officer,
            date=datetime.date(2026, 3, 1),
            commodity="IVORY",
            quantity="300",
            legs=[("departure", "KE"), ("destination", "CN")],
            vessel_name="Ocean Star",
        ),
    }
