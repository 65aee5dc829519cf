"""Counts per commodity type, country, transport mode, detection method and year
for the current result, each one a link that narrows the search."""

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django_countries import countries

from ..models import CommodityLine, CommodityType, DetectionMethod, TransportMode

FACET_SIZE = 10


def _labelled(rows, key, labels) -> list[tuple[str, str, int]]:
    return [(str(row[key]), labels.get(row[key], str(row[key])), row["n"]) for row in rows]


def case_facets(cases: QuerySet, size: int = FACET_SIZE) -> dict:
    base = cases.order_by()
    ids = base.values("pk")
    commodity_rows = (
        CommodityLine.objects.filter(case__in=ids)
        .values("commodity_type")
        .annotate(n=Count("case", distinct=True))
        .order_by("-n", "commodity_type")[:size]
    )
    commodity_rows = list(commodity_rows)
    facets = {
        "commodity_type": _labelled(
            commodity_rows,
            "commodity_type",
            {
                t.pk: str(t)
                for t in CommodityType.objects.filter(
                    pk__in=[r["commodity_type"] for r in commodity_rows]
                )
            },
        ),
        "country": _labelled(
            base.values("country").annotate(n=Count("pk")).order_by("-n", "country")[:size],
            "country",
            dict(countries),
        ),
        "transport_mode": _labelled(
            base.values("transport_mode")
            .annotate(n=Count("pk"))
            .order_by("-n", "transport_mode")[:size],
            "transport_mode",
            {m.pk: str(m) for m in TransportMode.objects.all()},
        ),
        "detection_method": _labelled(
            base.values("detection_method")
            .annotate(n=Count("pk"))
            .order_by("-n", "detection_method")[:size],
            "detection_method",
            {m.pk: str(m) for m in DetectionMethod.objects.all()},
        ),
        "year": [
            (str(row["year"]), str(row["year"]), row["n"])
            for row in base.annotate(year=ExtractYear("seizure_date"))
            .values("year")
            .annotate(n=Count("pk"))
            .order_by("-year")[:size]
        ],
    }
    return facets
