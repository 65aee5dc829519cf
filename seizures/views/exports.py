"""Exports of a search result: request, progress, download, My exports."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cen_suite.downloads import FileDownload

from .. import selectors, services
from ..forms import ExportForm
from ..models import ExportStatus
from .search import search_url


@require_POST
def export_create(request):
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the rows, the columns and the format of the export."))
        return redirect(search_url(request.POST.get("query", "")))
    export = services.export_create(
        user=request.user,
        query=form.cleaned_data["query"],
        layout=form.cleaned_data["layout"],
        columns=form.cleaned_data["columns"],
        file_format=form.cleaned_data["format"],
    )
    return redirect("seizures:export-detail", pk=export.pk)


def export_list(request):
    return render(
        request, "seizures/export_list.html", {"exports": selectors.export_list(user=request.user)}
    )


def export_detail(request, pk):
    export = selectors.export_get(user=request.user, pk=pk)
    template = (
        "seizures/_export_progress.html"
        if request.headers.get("HX-Request") == "true"
        else "seizures/export_detail.html"
    )
    return render(request, template, {"export": export})


def export_download(request, pk):
    export = selectors.export_get(user=request.user, pk=pk)
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404
    services.export_downloaded(export=export, request=request)
    name = export.file.name.rsplit("/", 1)[-1]
    return FileDownload(export.file.open("rb"), as_attachment=True, filename=name)
