"""The case search itself: cleaned form data → a queryset, scoped to the user.

The search page, its facets and its exports all start from ``case_search``,
so an export can never disagree with the page it came from.
"""

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from accounts.regions import COUNTRY_REGION

from ..models import Case, CaseStatus, CommodityLine, Photo, RouteLeg
from ..selectors import PUBLISHED, own_case_list, published_case_list
from .text import text_filter

SORT_FIELDS = {
    "-date": ("-seizure_date", "-id"),
    "date": ("seizure_date", "id"),
    "reference": ("reference",),
    "country": ("country", "-seizure_date", "-id"),
}


def _linked(relation, column: str, value) -> Exists:
    """The case has ``value`` among a many-to-many relation's entries."""
    through = relation.through
    return Exists(through.objects.filter(case=OuterRef("pk"), **{column: value}))


def _has_any_type(types: set[int]) -> Q:
    """PostgreSQL: the case has a line of one of ``types`` (jsonb containment)."""
    condition = Q(pk__in=[])
    for type_id in sorted(types):
        condition |= Q(commodity_types__contains=[type_id])
    return condition


def case_search(*, user: User, filters: dict) -> QuerySet[Case]:
    """``filters`` is ``CaseSearchForm.cleaned_data`` (empty values are ignored)."""
    status = filters.get("status")
    if status in (CaseStatus.DRAFT, CaseStatus.REJECTED):
        # Drafts and rejected cases: only ever one's own administration's.
        cases = own_case_list(user=user).filter(status=status)
    else:
        # Published cases are every member's to read: no per-user condition, which
        # lets PostgreSQL walk the date index and stop after one page.
        cases = published_case_list().filter(status__in=[status] if status else PUBLISHED)

    if filters.get("date_from"):
        cases = cases.filter(seizure_date__gte=filters["date_from"])
    if filters.get("date_to"):
        cases = cases.filter(seizure_date__lte=filters["date_to"])
    if filters.get("administration"):
        cases = cases.filter(administration=filters["administration"])
    if filters.get("country"):
        cases = cases.filter(country__in=filters["country"])
    if filters.get("region"):
        codes = [code for code, region in COUNTRY_REGION.items() if region == filters["region"]]
        cases = cases.filter(country__in=codes)
    if filters.get("route_country"):
        legs = RouteLeg.objects.filter(case=OuterRef("pk"), country=filters["route_country"])
        if filters.get("route_role"):
            legs = legs.filter(kind=filters["route_role"])
        cases = cases.filter(Exists(legs))
    for kind in ("departure", "destination"):
        if filters.get(kind):
            legs = RouteLeg.objects.filter(case=OuterRef("pk"), kind=kind, country=filters[kind])
            cases = cases.filter(Exists(legs))

    # The line conditions apply to one and the same line: "cocaine over 100 kg"
    # means a cocaine line of over 100 kg, not cocaine and something heavy.
    lines = CommodityLine.objects.filter(case=OuterRef("pk"))
    line_filtered = False
    types = None
    if filters.get("area"):
        lines, line_filtered = lines.filter(commodity_type__area=filters["area"]), True
        types = set(filters["area"].types.values_list("pk", flat=True))
    if filters.get("commodity_type"):
        lines, line_filtered = lines.filter(commodity_type__in=filters["commodity_type"]), True
        chosen = {commodity_type.pk for commodity_type in filters["commodity_type"]}
        types = chosen if types is None else types & chosen
    if types is not None and connection.vendor == "postgresql":
        # The case's own list of commodity types answers through its GIN index;
        # the lines are still looked at when a quantity or HS code must match too.
        cases = cases.filter(_has_any_type(types))
        line_filtered = any(
            filters.get(name) not in (None, "")
            for name in ("hs_prefix", "quantity_min", "quantity_max")
        )
    if filters.get("hs_prefix"):
        lines, line_filtered = lines.filter(hs_code__startswith=filters["hs_prefix"]), True
    if filters.get("quantity_min") is not None:
        lines = lines.filter(normalised_quantity__gte=filters["quantity_min"])
        line_filtered = True
    if filters.get("quantity_max") is not None:
        lines = lines.filter(normalised_quantity__lte=filters["quantity_max"])
        line_filtered = True
    if line_filtered:
        cases = cases.filter(Exists(lines))

    if filters.get("transport_mode"):
        cases = cases.filter(transport_mode__in=filters["transport_mode"])
    if filters.get("detection_method"):
        cases = cases.filter(detection_method__in=filters["detection_method"])
    if filters.get("location_type"):
        cases = cases.filter(location_type=filters["location_type"])
    if filters.get("concealment"):
        cases = cases.filter(
            _linked(Case.concealment_methods, "concealmentmethod", filters["concealment"])
        )
    if filters.get("offence_type"):
        cases = cases.filter(_linked(Case.offence_types, "offencetype", filters["offence_type"]))
    if filters.get("has_photos"):
        cases = cases.filter(Exists(Photo.objects.filter(case=OuterRef("pk"))))
    if filters.get("q"):
        cases = cases.filter(text_filter(filters["q"]))
    return cases.order_by(*SORT_FIELDS.get(filters.get("sort") or "-date", SORT_FIELDS["-date"]))
