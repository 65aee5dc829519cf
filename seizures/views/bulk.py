"""One workflow step on many cases: the choice (a search or an upload) with what
each step would change, the confirmation, and the job's progress."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Role

from .. import selectors
from ..models import BulkAction, BulkActionKind
from ..search.forms import CaseSearchForm, normalised_query
from ..services import bulk


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Step"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("Reason for rejection"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, steps, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(BulkActionKind.choices)
        self.fields["action"].choices = [(step, labels[step]) for step in steps]

    def clean(self):
        data = super().clean()
        if data.get("action") == BulkActionKind.REJECT and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for the rejection."))
        return data


def _choice(request, source):
    """The cases chosen by the request's search query or upload, and how to say so."""
    upload_id = source.get("upload")
    if upload_id:
        if not str(upload_id).isdigit():
            raise Http404
        upload = selectors.upload_get(user=request.user, pk=int(upload_id))
        return bulk.bulk_candidates(user=request.user, upload=upload), "", upload
    query = normalised_query(
        source.get("query", "") if source is request.POST else source.urlencode()
    )
    form = CaseSearchForm(QueryDict(query))
    filters = form.cleaned_data if form.is_valid() else {}
    return bulk.bulk_candidates(user=request.user, filters=filters), query, None


@role_required(Role.OFFICER, Role.NATIONAL_ADMIN)
def bulk_action_new(request):
    source = request.POST if request.method == "POST" else request.GET
    cases, query, upload = _choice(request, source)
    steps = bulk.bulk_steps_for(request.user)
    form = BulkActionForm(request.POST if request.method == "POST" else None, steps=steps)
    if request.method == "POST" and form.is_valid():
        job = bulk.bulk_action_create(
            user=request.user,
            action=form.cleaned_data["action"],
            reason=form.cleaned_data["reason"],
            cases=cases,
            query=query,
            upload=upload,
            request=request,
        )
        return redirect(job)
    preview = bulk.bulk_preview(cases)
    return render(
        request,
        "seizures/bulk_action_new.html",
        {
            "form": form,
            "preview": preview,
            "steps": [(step, preview["changes"][step]) for step in steps],
            "query": query,
            "upload": upload,
        },
    )


def _job_get(request, pk) -> BulkAction:
    # Another user's job is a 404, like one that does not exist.
    return get_object_or_404(BulkAction.objects.filter(user=request.user), pk=pk)


def bulk_action_detail(request, pk):
    job = _job_get(request, pk)
    template = (
        "seizures/_bulk_action_progress.html"
        if request.headers.get("HX-Request") == "true"
        else "seizures/bulk_action_detail.html"
    )
    return render(request, template, {"job": job})


@require_POST
def bulk_action_retry(request, pk):
    job = _job_get(request, pk)
    try:
        bulk.bulk_action_retry(job=job, user=request.user)
    except PermissionDenied as refused:
        messages.error(request, str(refused))
    return redirect(job)
