"""Bulk upload of cases from a spreadsheet: template, upload, progress and
preview, confirmation, result, history. National admins only."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Role

from .. import selectors
from ..forms import UploadConfirmForm, UploadForm
from ..imports import service
from ..imports.reading import FileRefused
from ..imports.template import template_build, template_filename
from ..models import UploadWorkflow

RESULT_LINKS = 200


@role_required(Role.NATIONAL_ADMIN)
def upload_template(request):
    response = HttpResponse(
        template_build(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{template_filename()}"'
    return response


@role_required(Role.NATIONAL_ADMIN)
def upload_list(request):
    uploads = selectors.upload_list(user=request.user)[:100]
    form = UploadForm(workflows=service.upload_workflows_for(request.user))
    return render(request, "seizures/upload_list.html", {"uploads": uploads, "form": form})


@role_required(Role.NATIONAL_ADMIN)
def upload_create(request):
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        workflows=service.upload_workflows_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            upload = service.upload_create(
                user=request.user,
                file=form.cleaned_data["file"],
                workflow=form.cleaned_data.get("workflow") or UploadWorkflow.DRAFT,
                request=request,
            )
        except FileRefused as refused:
            form.add_error("file", refused.message)
        else:
            return redirect(upload)
    return render(request, "seizures/upload_form.html", {"form": form})


def upload_detail(request, pk):
    upload = selectors.upload_get(user=request.user, pk=pk)
    context = {
        "upload": upload,
        "same_file": selectors.upload_same_file_list(upload=upload).first(),
        "can_confirm": service.upload_can_confirm(upload),
        "confirm_form": UploadConfirmForm(initial={"existing": upload.existing}),
        "created": (upload.result.get("created") or [])[:RESULT_LINKS],
        "updated": (upload.result.get("updated") or [])[:RESULT_LINKS],
        "areas": sorted(
            (upload.summary.get("areas") or {}).values(), key=lambda area: area["label"]
        ),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "seizures/_upload_state.html", context)
    return render(request, "seizures/upload_detail.html", context)


@require_POST
def upload_confirm(request, pk):
    upload = selectors.upload_get(user=request.user, pk=pk)
    form = UploadConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the cases already known."))
        return redirect(upload)
    try:
        service.upload_confirm(
            upload=upload,
            user=request.user,
            existing=form.cleaned_data["existing"],
            request=request,
        )
    except PermissionDenied:
        messages.error(request, _("This upload cannot be imported in its current state."))
    return redirect(upload)


@require_POST
def upload_cancel(request, pk):
    upload = selectors.upload_get(user=request.user, pk=pk)
    try:
        service.upload_cancel(upload=upload, user=request.user, request=request)
    except PermissionDenied:
        messages.error(request, _("This upload cannot be cancelled in its current state."))
    return redirect(upload)


@require_POST
def upload_retry(request, pk):
    upload = selectors.upload_get(user=request.user, pk=pk)
    try:
        service.upload_check_retry(upload=upload, user=request.user, request=request)
    except PermissionDenied:
        messages.error(request, _("This upload is not waiting for a stalled check."))
    return redirect(upload)


def upload_download(request, pk, kind):
    upload = selectors.upload_get(user=request.user, pk=pk)
    stored = {"original": upload.file, "errors": upload.error_file}.get(kind)
    if not stored:
        raise Http404
    name = upload.original_name if kind == "original" else stored.name.rsplit("/", 1)[-1]
    return FileResponse(stored.open("rb"), as_attachment=True, filename=name)
