"""Case entry (full and simplified forms), detail, list and workflow; photo files."""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Role
from cen_suite.downloads import FileDownload

from .. import selectors, services
from ..forms import (
    QualityFlagForm,
    RejectForm,
    SimplifiedCaseForm,
)
from ..models import Case, CaseStatus
from ..validation import CaseData, CaseForms, case_quality, case_validate

logger = logging.getLogger(__name__)

WRITERS = (Role.OFFICER, Role.NATIONAL_ADMIN)


def _lenient_data(case_forms: CaseForms) -> CaseData:
    """What has been entered so far, valid or not, for the data-quality panel."""

    def rows(formset):
        return [
            form.cleaned_data
            for form in formset.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]

    return CaseData(
        fields=getattr(case_forms.case, "cleaned_data", {}),
        lines=rows(case_forms.lines),
        legs=rows(case_forms.route),
        offenders=rows(case_forms.offenders),
        photos=rows(case_forms.photos) if case_forms.photos else [],
    )


def _case_data_from_instance(case: Case) -> CaseData:
    return CaseData(
        fields={
            "place": case.place,
            "location_type": case.location_type_id,
            "direction": case.direction_id,
            "transport_mode": case.transport_mode,
            "detection_method": case.detection_method,
            "concealment_methods": list(case.concealment_methods.all()),
            "narrative": case.narrative,
        },
        lines=list(case.lines.values()),
        legs=list(case.route_legs.values()),
        offenders=list(case.offenders.values()),
    )


def _render_form(request, case_forms, case=None, status=200):
    case_forms.is_valid() if case_forms.case.is_bound else None
    score, missing = case_quality(
        _lenient_data(case_forms), has_photos=bool(case and case.photos.exists())
    )
    return render(
        request,
        "seizures/case_form.html",
        {"forms": case_forms, "case": case, "quality_score": score, "quality_missing": missing},
        status=status,
    )


@role_required(*WRITERS)
def case_create(request):
    administration = request.user.administration
    if request.method == "POST":
        case_forms = CaseForms.bind(
            data=request.POST, files=request.FILES, administration=administration
        )
        if case_forms.is_valid():
            case = services.case_create(user=request.user, data=case_forms.data(), request=request)
            messages.success(
                request, _("Case %(reference)s has been saved as a draft.") % {"reference": case}
            )
            return redirect(case)
        return _render_form(request, case_forms)
    case_forms = CaseForms.bind(administration=administration)
    case_forms.case.initial["country"] = administration.country
    return _render_form(request, case_forms)


def case_edit(request, reference):
    case = selectors.case_get_for_edit(user=request.user, reference=reference)
    if not case.is_editable:
        messages.warning(request, _("Only draft or rejected cases can be edited."))
        return redirect(case)
    case_forms = CaseForms.bind(
        data=request.POST or None,
        files=request.FILES or None,
        instance=case,
        administration=request.user.administration,
    )
    if request.method == "POST" and case_forms.is_valid():
        services.case_update(user=request.user, case=case, data=case_forms.data(), request=request)
        messages.success(request, _("The case has been saved."))
        return redirect(case)
    return _render_form(request, case_forms, case=case)


@role_required(*WRITERS)
@require_POST
def case_quality_panel(request):
    """htmx: the data-quality panel for what the form holds so far."""
    case_forms = CaseForms.bind(
        data=request.POST, administration=request.user.administration, with_photos=False
    )
    case_forms.is_valid()
    score, missing = case_quality(_lenient_data(case_forms))
    return render(
        request, "seizures/_quality.html", {"quality_score": score, "quality_missing": missing}
    )


@role_required(*WRITERS)
def case_create_simple(request):
    administration = request.user.administration
    form = SimplifiedCaseForm(request.POST or None, initial={"country": administration.country})
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        payload = {
            "national_reference": cleaned["national_reference"],
            "seizure_date": cleaned["seizure_date"].isoformat(),
            "country": cleaned["country"],
            "abroad_reason": cleaned["abroad_reason"],
            "transport_mode": cleaned["transport_mode"].pk,
            "detection_method": cleaned["detection_method"].pk,
            "lines": [
                {
                    "commodity_type": cleaned["commodity_type"].pk,
                    "quantity": cleaned["quantity"],
                    "quantity_not_recorded": cleaned["quantity_not_recorded"],
                    "unit": cleaned["unit"].pk if cleaned["unit"] else None,
                }
            ],
        }
        data, errors = case_validate(payload=payload, administration=administration)
        if data is not None:
            case = services.case_create(user=request.user, data=data, request=request)
            messages.success(
                request, _("Case %(reference)s has been saved as a draft.") % {"reference": case}
            )
            return redirect(case)
        for messages_ in errors.values():
            for message in messages_:
                form.add_error(None, message)
    return render(request, "seizures/case_simple_form.html", {"form": form})


CASE_VIEWERS_SHOWN = 10


def case_detail(request, reference):
    case = selectors.case_get(user=request.user, reference=reference)
    services.case_viewed(user=request.user, case=case, request=request)
    own = case.administration_id == request.user.administration_id
    can_see_viewers = selectors.can_see_case_viewers(request.user, case)
    score, missing = case_quality(_case_data_from_instance(case), has_photos=case.photos.exists())
    return render(
        request,
        "seizures/case_detail.html",
        {
            "case": case,
            "own": own,
            "can_edit": own and request.user.role in WRITERS and case.is_editable,
            "can_validate": own
            and request.user.role == Role.NATIONAL_ADMIN
            and case.status == CaseStatus.SUBMITTED,
            "can_reopen": own
            and request.user.role == Role.NATIONAL_ADMIN
            and case.status in (CaseStatus.SUBMITTED, CaseStatus.VALIDATED),
            "can_flag": request.user.is_wco_staff,
            "lines": case.lines.select_related("commodity_type__area", "unit"),
            "legs": case.route_legs.all(),
            "offenders": case.offenders.all(),
            "photos": case.photos.all(),
            "history": case.changes.select_related("user")[:50],
            "duplicates": selectors.case_possible_duplicates(case=case)[:5] if own else [],
            "quality_score": score,
            "quality_missing": missing,
            "viewers": list(
                selectors.case_viewer_list(user=request.user, case=case)[:CASE_VIEWERS_SHOWN]
            )
            if can_see_viewers
            else None,
            "reject_form": RejectForm(),
            "flag_form": QualityFlagForm(),
        },
    )


def case_viewers(request, reference):
    """Every view of a case, newest first, for its administration's national admins."""
    case = selectors.case_get(user=request.user, reference=reference)
    views = selectors.case_viewer_list(user=request.user, case=case)
    page = Paginator(views, 50).get_page(request.GET.get("page"))
    return render(request, "seizures/case_viewers.html", {"case": case, "page": page})


def case_list(request):
    if request.user.is_wco_staff:
        cases = selectors.case_list(user=request.user)
    else:
        cases = selectors.own_case_list(user=request.user)
    status = request.GET.get("status", "")
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    page = Paginator(cases.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "seizures/case_list.html",
        {
            "page": page,
            "status": status,
            "statuses": CaseStatus.choices,
            "query": f"status={status}" if status else "",
        },
    )


def _workflow(request, reference, action, message, form_class=None, field=None, invalid=""):
    case = selectors.case_get(user=request.user, reference=reference)
    kwargs = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, invalid)
            return redirect(case)
        kwargs[field] = form.cleaned_data[field]
    try:
        action(user=request.user, case=case, request=request, **kwargs)
    except PermissionDenied as error:
        if (
            case.administration_id != request.user.administration_id
            and not request.user.is_wco_staff
        ):
            raise Http404 from None
        messages.error(request, str(error) or _("You cannot do this."))
        return redirect(case)
    messages.success(request, message)
    return redirect(case)


@require_POST
def case_submit(request, reference):
    return _workflow(
        request,
        reference,
        services.case_submit,
        _("The case has been submitted to your national administrator for validation."),
    )


@require_POST
def case_validate_view(request, reference):
    return _workflow(request, reference, services.case_validate, _("The case has been validated."))


@require_POST
def case_reject(request, reference):
    return _workflow(
        request,
        reference,
        services.case_reject,
        _("The case has been sent back to the officer."),
        RejectForm,
        "reason",
        _("Please give a reason."),
    )


@require_POST
def case_reopen(request, reference):
    return _workflow(
        request,
        reference,
        services.case_reopen,
        _("The case is a draft again and can be corrected."),
    )


@require_POST
def case_flag(request, reference):
    return _workflow(
        request,
        reference,
        services.case_flag_quality,
        _("The administration has been told about the problem."),
        QualityFlagForm,
        "message",
        _("Please describe the problem."),
    )


def photo_file(request, pk, variant="image"):
    """Photos are never public: each request checks that the user may see the case."""
    photo = selectors.photo_get(user=request.user, pk=pk)
    field = photo.thumbnail if variant == "thumbnail" and photo.thumbnail else photo.image
    try:
        response = FileDownload(field.open("rb"))
    except FileNotFoundError:
        logger.warning("Photo %s: file %s is missing from storage", photo.pk, field.name)
        raise Http404 from None
    # Revalidated every time: a case taken back to draft must stop showing at once.
    response["Cache-Control"] = "private, no-cache"
    response["Content-Disposition"] = "inline"
    return response


@require_POST
def photo_delete(request, pk):
    photo = selectors.photo_get(user=request.user, pk=pk)
    case = photo.case
    try:
        services.photo_delete(user=request.user, photo=photo, request=request)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("The photo has been removed."))
    return redirect("seizures:case-edit", reference=case.reference)
