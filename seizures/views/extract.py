"""The downloadable database extract."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cen_suite.downloads import FileDownload

from .. import selectors, services
from ..extract import table_definitions as extract_table_definitions


def extract_page(request):
    if request.method == "POST":
        services.extract_request(user=request.user, request=request)
        messages.success(request, _("A new extract is being built; it appears here when ready."))
        return redirect("seizures:extract")
    return render(
        request,
        "seizures/extract.html",
        {"extract": selectors.extract_latest(), "tables": extract_table_definitions()},
    )


def extract_download(request, pk, kind):
    extract = selectors.extract_get(pk=pk)
    files = {"sqlite": extract.sqlite_file, "csv": extract.csv_zip}
    if kind not in files:
        raise Http404
    field = files[kind]
    services.extract_downloaded(extract=extract, kind=kind, request=request)
    name = field.name.rsplit("/", 1)[-1]
    return FileDownload(field.open("rb"), as_attachment=True, filename=name)
