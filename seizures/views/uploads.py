"""Bulk upload of cases from a spreadsheet: template, upload, progress and
preview, the mapping of a file's own columns and values and the profiles that
keep it, confirmation, result, history. National admins only."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Role
from cen_suite.downloads import FileDownload
from cen_suite.spreadsheets import XLSX_CONTENT_TYPE

from .. import selectors
from ..forms import MappingForm, UploadConfirmForm, UploadConventionForm, UploadForm
from ..imports import mapping, service
from ..imports.columns import CASE_SHEET_COLUMNS, OFFENDER_COLUMNS, convention_questions
from ..imports.conventions import BadAnswer
from ..imports.reading import FileRefused
from ..imports.template import template_build, template_filename
from ..models import UploadWorkflow

RESULT_LINKS = 200


@role_required(Role.NATIONAL_ADMIN)
def upload_template(request):
    response = HttpResponse(
        template_build(),
        content_type=XLSX_CONTENT_TYPE,
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


def _upload_mapping_form(upload, data=None) -> MappingForm:
    found = upload.mapping
    columns = found.get("columns") or [{"key": key} for key in found.get("suggested", [])]
    return MappingForm(
        data,
        headers=found.get("headers", []),
        columns=columns,
        samples=found.get("samples", []),
        questions=found.get("questions"),
        profile_name=upload.profile.name if upload.profile else "",
        template=bool(found.get("template")),
        offenders=found.get("offenders"),
    )


def _detail_context(request, upload, mapping_form=None) -> dict:
    can_map = mapping.upload_can_map(upload)
    if can_map and mapping_form is None:
        mapping_form = _upload_mapping_form(upload)
    return {
        "upload": upload,
        "same_file": selectors.upload_same_file_list(upload=upload).first(),
        "can_confirm": service.upload_can_confirm(upload),
        "can_answer": service.upload_can_answer(upload),
        "questions": convention_questions(upload.conventions),
        "confirm_form": UploadConfirmForm(initial={"existing": upload.existing}),
        "created": (upload.result.get("created") or [])[:RESULT_LINKS],
        "updated": (upload.result.get("updated") or [])[:RESULT_LINKS],
        "areas": sorted(
            (upload.summary.get("areas") or {}).values(), key=lambda area: area["label"]
        ),
        "mapping_form": mapping_form if can_map else None,
        "profiles": selectors.mapping_profile_list(user=request.user) if can_map else [],
    }


def upload_detail(request, pk):
    upload = selectors.upload_get(user=request.user, pk=pk)
    context = _detail_context(request, upload)
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
    except PermissionDenied as denied:
        messages.error(
            request, str(denied) or _("This upload cannot be imported in its current state.")
        )
    return redirect(upload)


@require_POST
def upload_conventions(request, pk):
    upload = selectors.upload_get(user=request.user, pk=pk)
    form = UploadConventionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to read the column."))
        return redirect(upload)
    try:
        service.upload_conventions_set(
            upload=upload,
            user=request.user,
            choices={form.cleaned_data["column"]: form.cleaned_data["reading"]},
            request=request,
        )
    except BadAnswer as error:
        messages.error(request, str(error))
    except PermissionDenied:
        messages.error(request, _("This upload cannot be changed in its current state."))
    return redirect(upload)


@require_POST
def upload_mapping(request, pk):
    upload = selectors.upload_get(user=request.user, pk=pk)
    form = _upload_mapping_form(upload, request.POST)
    if form.is_valid():
        try:
            mapping.upload_mapping_set(
                upload=upload,
                user=request.user,
                columns=form.columns(),
                values=form.values(),
                profile_name=form.cleaned_data["profile_name"].strip(),
                profile=upload.profile,
                offender_columns=form.offender_columns(),
                request=request,
            )
        except PermissionDenied:
            messages.error(request, _("The mapping of this upload cannot be changed now."))
            return redirect(upload)
        except mapping.MappingInvalid as invalid:
            for message in invalid.messages:
                form.add_error(None, message)
        else:
            return redirect(upload)
    context = _detail_context(request, upload, mapping_form=form)
    return render(request, "seizures/upload_detail.html", context, status=400)


@require_POST
def upload_profile_apply(request, pk):
    upload = selectors.upload_get(user=request.user, pk=pk)
    profile = selectors.mapping_profile_get(user=request.user, pk=request.POST.get("profile", ""))
    try:
        mapping.upload_profile_apply(
            upload=upload, user=request.user, profile=profile, request=request
        )
    except PermissionDenied:
        messages.error(request, _("The mapping of this upload cannot be changed now."))
    except mapping.MappingInvalid as invalid:
        for message in invalid.messages:
            messages.error(request, message)
    return redirect(upload)


def mapping_profile_list(request):
    profiles = selectors.mapping_profile_list(user=request.user)
    return render(request, "seizures/mapping_profile_list.html", {"profiles": profiles})


def _profile_form(profile, data=None) -> MappingForm:
    questions = {
        key: [{"value": text, "suggested": code or ""} for text, code in answers.items()]
        for key, answers in profile.values.items()
    }
    return MappingForm(
        data,
        headers=profile.headers,
        columns=profile.columns,
        questions=questions,
        profile_name=profile.name,
        template=not profile.columns,
        offenders=profile.offenders,
    )


def _profile_conventions(profile) -> list[str]:
    """How the profile reads numbers and dates, one line per column."""
    labels = {column.key: column.label for column in CASE_SHEET_COLUMNS + OFFENDER_COLUMNS}
    readings = {
        "dmy": _("day first (03/01/2019 is 3 January 2019)"),
        "mdy": _("month first (03/01/2019 is 1 March 2019)"),
        ",": _("decimal comma (16,780 is 16.78)"),
        ".": _("decimal point, thousands comma (16,780 is 16780)"),
    }
    lines = []
    for key, convention in profile.conventions.items():
        for reading in convention.values():
            if key in labels and reading in readings:
                # Translators: "Date of seizure: day first (03/01/2019 is 3 January 2019)".
                lines.append(
                    _("%(column)s: %(reading)s")
                    % {"column": labels[key], "reading": readings[reading]}
                )
    return lines


def mapping_profile_detail(request, pk):
    profile = selectors.mapping_profile_get(user=request.user, pk=pk)
    form = _profile_form(profile, request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {key: dict(answers) for key, answers in profile.values.items()}
        for key, answers in form.values().items():
            values.setdefault(key, {}).update(answers)
        try:
            mapping.mapping_profile_save(
                user=request.user,
                profile=profile,
                name=form.cleaned_data["profile_name"].strip() or profile.name,
                headers=profile.headers,
                columns=form.columns(),
                values=values,
                offenders=(
                    {"headers": profile.offenders["headers"], "columns": form.offender_columns()}
                    if profile.offenders.get("headers")
                    else None
                ),
                request=request,
            )
        except mapping.MappingInvalid as invalid:
            for message in invalid.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect(profile)
    status = 400 if request.method == "POST" else 200
    context = {"profile": profile, "form": form, "conventions": _profile_conventions(profile)}
    return render(request, "seizures/mapping_profile_detail.html", context, status=status)


@require_POST
def mapping_profile_rename(request, pk):
    profile = selectors.mapping_profile_get(user=request.user, pk=pk)
    try:
        mapping.mapping_profile_rename(
            user=request.user, profile=profile, name=request.POST.get("name", ""), request=request
        )
    except mapping.MappingInvalid as invalid:
        for message in invalid.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The profile is renamed."))
    return redirect(profile)


@require_POST
def mapping_profile_delete(request, pk):
    profile = selectors.mapping_profile_get(user=request.user, pk=pk)
    mapping.mapping_profile_delete(user=request.user, profile=profile, request=request)
    messages.success(
        request,
        _("The profile is deleted. The uploads read with it keep their own copy of its mapping."),
    )
    return redirect("seizures:mapping-profile-list")


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
    return FileDownload(stored.open("rb"), as_attachment=True, filename=name)
