"""The statistics page (the search form's filters, panels of validated cases) and
the trends page (what changed from one period to the one before)."""

import io

from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditAction
from accounts.services import audit_event_create
from cen_suite.spreadsheets import XLSX_CONTENT_TYPE, xlsx_workbook

from ..indicators.selectors import can_build_risk_indicators
from ..search.forms import CaseSearchForm
from ..statistics.forms import TrendPeriodForm
from ..statistics.geography import MAP_ROLES, map_panel, map_switch
from ..statistics.matching import shared_matching
from ..statistics.panels import (
    MEASURES,
    PERIODS,
    STACKS,
    PanelRequest,
    search_link,
    statistics_panels,
)
from ..statistics.trends import (
    SIGNIFICANCE,
    Periods,
    last_full_month,
    trend_filters,
    trend_rows,
    trend_table,
)

PAGE_PARAMETERS = ("period", "stack", "measure", "download", "after", "map_role")
TRENDS_SHOWN = 300  # rows on the trends page; the download has them all


def _choice(request, name: str, choices, default: str) -> str:
    value = request.GET.get(name, default)
    return value if value in dict(choices) else default


def statistics_page(request):
    form = CaseSearchForm(request.GET or None)
    period = _choice(request, "period", PERIODS, "month")
    stack = _choice(request, "stack", STACKS, "area")
    measure = _choice(request, "measure", MEASURES, "cases")
    map_role = _choice(request, "map_role", MAP_ROLES, "reporting")
    query = request.GET.copy()
    for name in PAGE_PARAMETERS:
        query.pop(name, None)
    page_query = request.GET.copy()
    page_query.pop("download", None)
    context = {
        "form": form,
        "period": period,
        "stack": stack,
        "measure": measure,
        "periods": PERIODS,
        "measures": MEASURES,
        "stacks": STACKS,
        "page_query": page_query.urlencode(),
        "filter_query": query.urlencode(),
    }
    if form.is_bound and not form.is_valid():
        # Numbers for other filters than those asked for would mislead: none at all.
        return render(request, "seizures/statistics.html", {**context, "invalid": True})
    filters = form.cleaned_data if form.is_bound else {}
    download = request.GET.get("download")
    world = None
    with shared_matching():  # the search runs once for every panel and the map
        panels = statistics_panels(
            PanelRequest(
                user=request.user,
                filters=filters,
                query=query,
                period=period,
                stack=stack,
                measure=measure,
            )
        )
        if not download or download == "map":  # another panel's download skips the map
            world = map_panel(user=request.user, filters=filters, query=query, role=map_role)
    if download:
        panel = next(
            (panel for panel in [world, *panels] if panel and panel.name == download), None
        )
        if panel is None:
            raise Http404
        return _workbook(request, panel.name, panel.headings, panel.rows, query.urlencode())
    context |= {"panels": panels, "map_panel": world, "map_switch": map_switch(page_query)}
    return render(request, "seizures/statistics.html", context)


def _workbook(request, name: str, headings: list, rows: list, query: str) -> HttpResponse:
    """A table of numbers as a small workbook, written in memory; the download is audited."""
    output = io.BytesIO()
    workbook = xlsx_workbook(output)
    sheet = workbook.add_worksheet(name[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, headings, bold)
    for index, row in enumerate(rows, start=1):
        sheet.write_string(index, 0, str(row[0]))
        for column, value in enumerate(row[1:], start=1):
            if isinstance(value, str):
                sheet.write_string(index, column, value)
            else:
                sheet.write_number(index, column, float(value))
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, len(headings) - 1, 18)
    workbook.close()
    audit_event_create(
        action=AuditAction.EXPORT_CREATED,
        request=request,
        actor=request.user,
        administration=request.user.administration,
        details={"statistics_panel": name, "query": query},
    )
    response = HttpResponse(output.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="cen-statistics-{name}.xlsx"'
    return response


def _indicator_link(url: str, query: QueryDict, row) -> str:
    """A risk indicator made from a trend row: the page's filters and the row's
    value, without the period (the indicator's profile follows it over time)."""
    narrowed = query.copy()
    for name, value in row.search.items():
        if name not in ("date_from", "date_to"):
            narrowed[name] = value
    return f"{url}?{narrowed.urlencode()}"


def statistics_trends(request):
    """Each route, country and method: cases this period and the one before, the
    change and whether it is significant (seizures/statistics/trends.py)."""
    form = CaseSearchForm(request.GET or None)
    period_form = TrendPeriodForm(request.GET or None)
    valid = not form.is_bound or (form.is_valid() and period_form.is_valid())
    filters = {**form.cleaned_data} if form.is_bound and valid else {}
    filters.pop("date_from", None)
    filters.pop("date_to", None)
    period = period_form.cleaned_data if period_form.is_bound and valid else {}
    periods = Periods(
        end=period.get("end") or last_full_month(timezone.localdate()),
        months=period.get("months") or 12,
    )
    query = trend_filters(request.GET)
    rows = []
    if valid:
        with shared_matching():  # the search runs once per period for every dimension
            rows = trend_rows(user=request.user, filters=filters, periods=periods)
    indicator_url = (
        reverse("seizures:risk-indicator-create") if can_build_risk_indicators(request.user) else ""
    )
    for row in rows:
        row.link = search_link(query, **row.search)
        if indicator_url:
            row.indicator_link = _indicator_link(indicator_url, query, row)
    if request.GET.get("download") == "trends":
        headings, table = trend_table(rows)
        return _workbook(request, "trends", headings, table, request.GET.urlencode())
    page_query = request.GET.copy()
    page_query.pop("download", None)
    return render(
        request,
        "seizures/statistics_trends.html",
        {
            "form": form,
            "period_form": period_form,
            "periods": periods,
            "rows": rows,
            "shown": rows[:TRENDS_SHOWN],
            "significance": SIGNIFICANCE,
            "page_query": page_query.urlencode(),
            "filter_query": query.urlencode(),
        },
    )
