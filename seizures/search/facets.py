"""Counts per commodity type, country, transport mode, detection method and year
for the current result, each one a link that narrows the search."""

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django_countries import countries

from ..models import CommodityLine, CommodityType, DetectionMethod, TransportMode

FACET_SIZE = 10


def _labelled(rows, key, labels) -> list[tuple[str, str, int]]:
    return [(str(row[key]), labels.get(row[key], str(row[key])), row["n"]) for row in rows]


def _case_counts(base: QuerySet, field: str, labels: dict, size: int):
    rows = base.values(field).annotate(n=Count("pk")).order_by("-n", field)[:size]
    return _labelled(rows, field, labels)


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
        "country": _case_counts(base, "country", dict(countries), size),
        "transport_mode": _case_counts(
            base, "transport_mode", {m.pk: str(m) for m in TransportMode.objects.all()}, size
        ),
        "detection_method": _case_counts(
            base, "detection_method", {m.pk: str(m) for m in DetectionMethod.objects.all()}, size
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
