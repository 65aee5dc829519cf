"""The statistics page: the search form's filters, panels of validated cases."""

import io

import xlsxwriter
from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.models import AuditAction
from accounts.services import audit_event_create

from ..search.forms import CaseSearchForm
from ..statistics.geography import MAP_ROLES, map_panel, map_switch
from ..statistics.panels import PERIODS, STACKS, statistics_panels

PAGE_PARAMETERS = ("period", "stack", "download", "after", "map_role")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choice(request, name: str, choices, default: str) -> str:
    value = request.GET.get(name, default)
    return value if value in dict(choices) else default


def statistics_page(request):
    form = CaseSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    period = _choice(request, "period", PERIODS, "month")
    stack = _choice(request, "stack", STACKS, "area")
    map_role = _choice(request, "map_role", MAP_ROLES, "reporting")
    query = request.GET.copy()
    for name in PAGE_PARAMETERS:
        query.pop(name, None)
    panels = statistics_panels(
        user=request.user, filters=filters, query=query, period=period, stack=stack
    )
    download = request.GET.get("download")
    world = None
    if not download or download == "map":  # another panel's download skips the map's queries
        world = map_panel(user=request.user, filters=filters, query=query, role=map_role)
    if download:
        panel = next(
            (panel for panel in [world, *panels] if panel and panel.name == download), None
        )
        if panel is None:
            raise Http404
        return _panel_workbook(request, panel, query.urlencode())
    page_query = request.GET.copy()
    page_query.pop("download", None)
    return render(
        request,
        "seizures/statistics.html",
        {
            "form": form,
            "panels": panels,
            "period": period,
            "stack": stack,
            "periods": PERIODS,
            "stacks": STACKS,
            "page_query": page_query.urlencode(),
            "map_panel": world,
            "map_switch": map_switch(page_query),
        },
    )


def _panel_workbook(request, panel, query: str) -> HttpResponse:
    """One panel's numbers as a small workbook, written in memory."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(panel.name[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, panel.headings, bold)
    for index, row in enumerate(panel.rows, start=1):
        sheet.write_string(index, 0, str(row[0]))
        for column, value in enumerate(row[1:], start=1):
            if isinstance(value, str):
                sheet.write_string(index, column, value)
            else:
                sheet.write_number(index, column, float(value))
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, len(panel.headings) - 1, 18)
    workbook.close()
    audit_event_create(
        action=AuditAction.EXPORT_CREATED,
        request=request,
        actor=request.user,
        administration=request.user.administration,
        details={"statistics_panel": panel.name, "query": query},
    )
    response = HttpResponse(output.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="cen-statistics-{panel.name}.xlsx"'
    return response
