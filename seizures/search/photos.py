"""Photo search and "similar photos" by perceptual hash.

Hamming distance between 64-bit hashes: on PostgreSQL ``bit_count`` of the XOR
in SQL over the visible photos; on SQLite in Python (development data only).
"""

from django.db import connection
from django.db.models import IntegerField, QuerySet
from django.db.models.expressions import RawSQL

from ..models import Photo
from ..photos import hamming

SIMILAR_DISTANCE = 12  # of 64 bits
SIMILAR_LIMIT = 24


def similar_photos(*, photo: Photo, candidates: QuerySet[Photo], limit: int = SIMILAR_LIMIT):
    """The candidates that look like ``photo``, closest first, with their distance."""
    if photo.phash is None:
        return []
    candidates = candidates.exclude(pk=photo.pk).exclude(phash__isnull=True)
    if connection.vendor == "postgresql":
        distance = RawSQL(
            "bit_count(CAST((seizures_photo.phash # %s) AS bit(64)))",
            [photo.phash],
            output_field=IntegerField(),
        )
        rows = (
            candidates.annotate(distance=distance)
            .filter(distance__lte=SIMILAR_DISTANCE)
            .order_by("distance", "-id")
            .select_related("case")[:limit]
        )
        return [(row, row.distance) for row in rows]
    scored = [
        (pk, hamming(photo.phash, phash))
        for pk, phash in candidates.values_list("pk", "phash").iterator()
    ]
    close = sorted((d, -pk) for pk, d in scored if d <= SIMILAR_DISTANCE)[:limit]
    by_pk = candidates.select_related("case").in_bulk([-pk for _d, pk in close])
    return [(by_pk[-pk], d) for d, pk in close]


def photo_search(*, cases: QuerySet, kind: str | None = None) -> QuerySet[Photo]:
    """Photos of the given cases (a search result), newest first."""
    photos = Photo.objects.filter(case__in=cases.order_by().values("pk")).select_related("case")
    if kind:
        photos = photos.filter(kind=kind)
    return photos.order_by("-id")
