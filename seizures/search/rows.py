"""The search page's result rows, written in Python.

Drawn by the template, the 50 rows of a page cost about half of the page's
Python: a model instance per commodity line, unit, commodity type, route leg
and photo, then a template lookup per cell and a template include per status
badge. Here the page's lines, legs and first photos are read as plain values
(three short queries, as the prefetches were), the labels come from the cached
option lists in the user's language (``search_choices``), and each row is
written once, with every value escaped as the template's autoescape would. The
HTML is the very one the template wrote (tests/seizures/test_search_rows.py
compares them).
"""

from urllib.parse import quote

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..models import (
    Case,
    CaseStatus,
    CommodityLine,
    CommodityType,
    Photo,
    PhotoKind,
    RouteLeg,
    TransportMode,
    Unit,
)
from ..templatetags.seizures_tags import quantity
from .choices import search_choices

# The fields a row shows, and those the page's sort keys read (pagination.py).
ROW_FIELDS = ("id", "reference", "status", "quality_flag", "seizure_date", "country")
ROW_FIELDS += ("transport_mode_id",)

BADGE_CLASSES = {
    CaseStatus.VALIDATED: "text-bg-success",
    CaseStatus.SUBMITTED: "text-bg-primary",
    CaseStatus.REJECTED: "text-bg-danger",
}
# Django's reverse() quotes a path with these characters left as they are.
_URL_SAFE = "!$&'()*+,;=" + "/~:@"
_REFERENCE = "__reference__"


def _status_badge(case: Case) -> str:
    """What seizures/_status.html writes, for a case that is not validated."""
    css = BADGE_CLASSES.get(case.status, "text-bg-secondary")
    badge = f'<span class="badge {css}">{escape(case.get_status_display())}</span>'
    if case.quality_flag:
        badge += f' <span class="badge text-bg-warning">{escape(_("Quality problem"))}</span>'
    return f" {badge}\n"


def _line(commodity: str, amount, not_recorded: bool, unit: str) -> str:
    text = _("quantity not recorded") if not_recorded else f"{quantity(amount)} {unit}"
    return f"<div>{escape(commodity)}: {escape(text)}</div>"


def _labels(model, cached: list[tuple[str, str]], wanted: set) -> dict[int, str]:
    """Entry id → label in the active language, from the cached option list; an
    entry the list does not hold yet (made outside the services since it was
    cached) is read from the database."""
    labels = {int(key): label for key, label in cached}
    missing = {pk for pk in wanted if pk is not None and pk not in labels}
    if missing:
        labels.update((entry.pk, str(entry)) for entry in model.objects.filter(pk__in=missing))
    return labels


def row_values(ids: list[int]) -> tuple[list, list, list]:
    """What the rows of the cases ``ids`` show besides the case itself: their
    commodity lines, route legs and photos as plain values, in each case's order."""
    lines = list(
        CommodityLine.objects.filter(case_id__in=ids)
        .order_by("case_id", "id")
        .values_list("case_id", "commodity_type_id", "quantity", "quantity_not_recorded", "unit_id")
    )
    legs = list(
        RouteLeg.objects.filter(case_id__in=ids)
        .order_by("case_id", "position")
        .values_list("case_id", "country")
    )
    photos = list(
        Photo.objects.filter(case_id__in=ids)
        .order_by("case_id", "id")
        .values_list("case_id", "id", "kind")
    )
    return lines, legs, photos


def result_rows(cases: list[Case]) -> list[SafeString]:
    """One ``<tr>`` per case of a page, in the page's order."""
    if not cases:
        return []
    lines, legs, photos = row_values([case.pk for case in cases])
    choices = search_choices()
    commodity_labels = _labels(
        CommodityType, choices["commodity_type"], {line[1] for line in lines}
    )
    unit_labels = _labels(Unit, choices["unit"], {line[4] for line in lines})
    transport_labels = _labels(
        TransportMode, choices["transport_mode"], {case.transport_mode_id for case in cases}
    )
    kinds = dict(PhotoKind.choices)
    # The names in the user's language, as django-countries gives them.
    country_names = dict(choices["country"])

    drawn_lines: dict[int, list[str]] = {}
    for case_id, commodity, amount, not_recorded, unit in lines:
        drawn_lines.setdefault(case_id, []).append(
            _line(commodity_labels[commodity], amount, not_recorded, unit_labels.get(unit, ""))
        )
    route: dict[int, list[str]] = {}
    for case_id, country in legs:
        route.setdefault(case_id, []).append(escape(country))
    first_photo: dict[int, tuple[int, str]] = {}
    for case_id, photo_id, kind in photos:
        first_photo.setdefault(case_id, (photo_id, kind))

    case_url = reverse("seizures:case-detail", kwargs={"reference": _REFERENCE})
    thumbnail_url = reverse("seizures:photo-thumbnail", kwargs={"pk": 0})
    thumbnail_start, thumbnail_end = thumbnail_url.rsplit("/0/", 1)

    rows = []
    for case in cases:
        url = case_url.replace(_REFERENCE, quote(case.reference, safe=_URL_SAFE))
        status = "" if case.status == CaseStatus.VALIDATED else _status_badge(case)
        photo = ""
        if case.pk in first_photo:
            photo_id, kind = first_photo[case.pk]
            src = f"{thumbnail_start}/{photo_id}/{thumbnail_end}"
            alt = kinds.get(kind, kind)
            photo = f'<img class="search-thumb" src="{escape(src)}" alt="{escape(alt)}">'
        transport = transport_labels.get(case.transport_mode_id, "")
        stops = " › ".join(route.get(case.pk, ())) or "—"
        country_name = country_names.get(case.country.code) or case.country.name
        rows.append(
            mark_safe(  # noqa: S308 (every value escaped above or here)
                "<tr>\n"
                f'        <td class="text-nowrap">{case.seizure_date.isoformat()}</td>\n'
                f'        <td><a href="{escape(url)}">{escape(case.reference)}</a>{status}</td>\n'
                f"        <td>{escape(country_name)}</td>\n"
                f'        <td class="text-nowrap">{stops}</td>\n'
                f"        <td>{''.join(drawn_lines.get(case.pk, ()))}</td>\n"
                f"        <td>{escape(transport)}</td>\n"
                f"        <td>{photo}</td>\n"
                "      </tr>"
            )
        )
    return rows
