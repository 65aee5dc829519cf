"""Free text over narratives, line descriptions, brands, species, vessel names
and flight numbers.

This is the one place where the database engine matters: the query builder asks
``text_filter(q)`` for a condition and does not care how it is made.
"""

from django.db.models import Exists, OuterRef, Q

from ..models import CommodityLine

CASE_FIELDS = ("narrative", "vessel_name", "flight_number", "place")
LINE_FIELDS = ("description", "brand", "species")


def text_filter(query: str) -> Q:
    """Every word must appear in the case or one of its lines (case-insensitive)."""
    condition = Q()
    for word in query.split():
        in_case = Q()
        for field in CASE_FIELDS:
            in_case |= Q(**{f"{field}__icontains": word})
        in_lines = Q()
        for field in LINE_FIELDS:
            in_lines |= Q(**{f"{field}__icontains": word})
        line_match = CommodityLine.objects.filter(in_lines, case=OuterRef("pk"))
        condition &= in_case | Q(Exists(line_match))
    return condition
