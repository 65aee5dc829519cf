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
