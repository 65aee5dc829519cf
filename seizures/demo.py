"""Synthetic but plausible cases, for demonstrations and benchmarks.

Rows are written with bulk inserts in batches inside one transaction: a million
cases take minutes, and an interrupted run leaves nothing behind.
"""

import datetime
import hashlib
import random
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Administration, Role, User

from .models import (
    NOT_KNOWN,
    Case,
    CaseSource,
    CaseStatus,
    CommodityLine,
    CommodityType,
    ConcealmentMethod,
    DetectionMethod,
    Direction,
    LocationType,
    OffenderProfile,
    Photo,
    PhotoKind,
    RouteLeg,
    TransportMode,
)
from .photos import perceptual_hash
from .services import case_references_reserve

BATCH = 2000

# Words for free-text search: some common, some rare, in several languages.
NARRATIVES = [
    "Concealed in banana boxes",
    "Hidden in the spare tyre",
    "Found in a false bottom of the suitcase",
    "Dissimulé dans des cartons de fruits",
    "Oculto en sacos de café",
    "Спрятано в грузе мебели",
    "Declared as spare parts",
    "Mixed with legitimate cargo of textiles",
    "",
    "",
]
BRANDS = ["Golden Crest", "Royal Palm", "Desert Star", "Blue Ocean", "Red Falcon", ""]

# Where each commodity typically comes from, by commodity code prefix or code.
SOURCES = {
    "COCAINE": ["CO", "PE", "BO", "EC", "BR", "VE"],
    "HEROIN": ["AF", "PK", "MM", "IR", "LA"],
    "CANNABIS": ["MA", "CO", "JM", "NG", "ZA", "AL", "MX"],
    "METHAMPHETAMINE": ["MM", "MX", "CN", "LA", "AF"],
    "CAPTAGON": ["SY", "LB", "JO"],
    "KHAT": ["KE", "ET"],
    "TRAMADOL": ["IN", "PK"],
    "CIGARETTES": ["AE", "CN", "VN", "BY", "UA", "PY"],
    "COUNTERFEIT": ["CN", "HK", "TR", "IN", "VN"],
    "IVORY": ["TZ", "MZ", "KE", "CD", "NG"],
    "PANGOLIN": ["NG", "CM", "CD", "CG"],
    "RHINO": ["ZA", "MZ"],
    "TIMBER": ["MG", "CD", "CM", "MM"],
}
DESTINATIONS = ["US", "NL", "BE", "ES", "FR", "GB", "DE", "IT", "AU", "SA", "AE", "CN", "HK", "TH"]
TRANSITS = ["PA", "NL", "AE", "TR", "SG", "TG", "ML", "NE", "ES", "PT", "ET", "QA"]


def _source_for(code: str, rng: random.Random) -> str:
    for prefix, countries in SOURCES.items():
        if code.startswith(prefix) or prefix in code:
            return rng.choice(countries)
    return rng.choice(["CN", "IN", "TR", "AE", "NG", "BR", "MX", "TH"])


def _quantity(unit, rng: random.Random) -> Decimal:
    """Log-normal quantities: many small seizures, a few very large ones."""
    median = {
        "KG": 8,
        "G": 400,
        "T": 2,
        "L": 200,
        "ML": 500,
        "M3": 20,
        "STICK": 20_000,
        "CARTON": 50,
        "PIECE": 300,
        "TABLET": 5000,
        "DOSE": 1000,
        "HEAD": 12,
    }.get(unit.code, 10)
    value = median * rng.lognormvariate(0, 1.2)
    if unit.dimension in ("count", "heads"):  # no 12.7 cigarettes
        return Decimal(max(1, round(value)))
    return Decimal(str(round(max(value, 0.001), 3)))


def _photo_content(rng: random.Random) -> tuple[bytes, int]:
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(40, 220) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 280), rng.randrange(0, 200)
        draw.rectangle(
            [x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 90)],
            fill=tuple(rng.randrange(0, 255) for _ in range(3)),
        )
    out = BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue(), perceptual_hash(image)


@transaction.atomic
def seed_cases(*, count: int, photo_ratio: float = 0.005, seed=None, stdout=None) -> int:
    rng = random.Random(seed)
    reporters = {}
    for administration in Administration.objects.filter(is_secretariat=False, is_active=True):
        officer = (
            User.objects.filter(administration=administration, role=Role.OFFICER)
            .order_by("id")
            .first()
        )
        if officer is not None:
            reporters[administration] = officer
    if not reporters:
        raise ValueError("No administration has an officer to report the cases.")
    administrations = list(reporters)
    types = list(CommodityType.objects.select_related("default_unit", "area"))
    # Drugs and tobacco dominate real seizure counts.
    weights = [
        6 if t.area.code in ("DRUGS", "REVENUE") else 2 if t.area.code == "IPR" else 1
        for t in types
    ]
    # The demo cases know how the goods travelled and were found: "not known"
    # is for real data that does not.
    modes = list(TransportMode.objects.exclude(code=NOT_KNOWN))
    detections = list(DetectionMethod.objects.exclude(code=NOT_KNOWN))
    concealments = list(ConcealmentMethod.objects.all())
    directions = list(Direction.objects.all())
    locations = list(LocationType.objects.all())
    concealment_link = Case.concealment_methods.through
    today = timezone.localdate()
    start = today - datetime.timedelta(days=5 * 365)
    now = timezone.now()
    done = 0

    while done < count:
        size = min(BATCH, count - done)
        plans = []
        for _ in range(size):
            administration = rng.choice(administrations)
            date = start + datetime.timedelta(days=rng.randrange((today - start).days + 1))
            plans.append((administration, date))
        # One block of references per (year, country) in this batch.
        needed = {}
        for administration, _date in plans:
            key = (today.year, administration.country.code)
            needed[key] = needed.get(key, 0) + 1
        references = {
            key: iter(case_references_reserve(year=key[0], country=key[1], count=number))
            for key, number in needed.items()
        }
        cases, details = [], []
        for administration, date in plans:
            status = rng.choices(
                [CaseStatus.VALIDATED, CaseStatus.SUBMITTED, CaseStatus.DRAFT], [85, 10, 5]
            )[0]
            officer = reporters[administration]
            cases.append(
                Case(
                    reference=next(references[(today.year, administration.country.code)]),
                    administration=administration,
                    status=status,
                    source=rng.choice([CaseSource.MANUAL, CaseSource.UPLOAD, CaseSource.API]),
                    seizure_date=date,
                    country=administration.country,
                    location_type=rng.choice(locations),
                    direction=rng.choice(directions),
                    transport_mode=rng.choice(modes),
                    detection_method=rng.choice(detections),
                    created_by=officer,
                    validated_by=officer if status == CaseStatus.VALIDATED else None,
                    validated_at=now if status == CaseStatus.VALIDATED else None,
                    submitted_at=now if status != CaseStatus.DRAFT else None,
                    quality_score=rng.choice([45, 55, 64, 73, 82]),
                    narrative=rng.choice(NARRATIVES),
                    created_at=now,
                )
            )
            case_lines = []
            for commodity_type in rng.choices(
                types, weights, k=rng.choices([1, 2, 3], [70, 22, 8])[0]
            ):
                unit = commodity_type.default_unit
                quantity = _quantity(unit, rng)
                taxed = commodity_type.area.code in ("REVENUE", "IPR")
                case_lines.append(
                    CommodityLine(
                        commodity_type=commodity_type,
                        quantity=quantity,
                        unit=unit,
                        normalised_quantity=quantity * unit.factor,
                        brand=rng.choice(BRANDS) if taxed else "",
                    )
                )
            for name, value in cases[-1].fields_from_lines(case_lines).items():
                setattr(cases[-1], name, value)
            details.append(case_lines)
        Case.objects.bulk_create(cases)

        lines, legs, offenders, links = [], [], [], []
        for case, case_lines in zip(cases, details, strict=True):
            for line in case_lines:
                line.case = case
                lines.append(line)
            route = [_source_for(case_lines[0].commodity_type.code, rng)]
            if rng.random() < 0.4:
                route.append(rng.choice(TRANSITS))
            route.append(case.country.code if rng.random() < 0.7 else rng.choice(DESTINATIONS))
            kinds = ["departure", *["transit"] * (len(route) - 2), "destination"]
            legs += [
                RouteLeg(case=case, position=i, kind=kind, country=country)
                for i, (kind, country) in enumerate(zip(kinds, route, strict=True))
            ]
            for _ in range(rng.choices([0, 1, 2], [45, 45, 10])[0]):
                offenders.append(
                    OffenderProfile(
                        case=case,
                        nationality=rng.choice([route[0], case.country.code, rng.choice(TRANSITS)]),
                        gender=rng.choices(["male", "female", "unknown"], [70, 22, 8])[0],
                        age_range=rng.choice(["18-25", "26-35", "36-45", "46-60"]),
                        role=rng.choice(["courier", "driver", "passenger", "sender", "recipient"]),
                    )
                )
            links.append(
                concealment_link(case_id=case.pk, concealmentmethod_id=rng.choice(concealments).pk)
            )
        CommodityLine.objects.bulk_create(lines)
        RouteLeg.objects.bulk_create(legs)
        OffenderProfile.objects.bulk_create(offenders)
        concealment_link.objects.bulk_create(links)

        for case in cases:
            if rng.random() < photo_ratio:
                content, phash = _photo_content(rng)
                photo = Photo(
                    case=case,
                    kind=rng.choice(PhotoKind.values),
                    sha256=hashlib.sha256(content).hexdigest(),
                    phash=phash,
                    width=320,
                    height=240,
                    uploaded_by=reporters[case.administration],
                )
                photo.image.save("demo.jpg", ContentFile(content), save=False)
                photo.save()
        done += size
        if stdout is not None and (done % 100_000 == 0 or done == count):
            stdout.write(f"  {done} cases")
    return done
