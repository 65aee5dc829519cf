"""The vocabularies: read by everyone, extended by WCO staff."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import role_required
from accounts.models import Role

from .. import selectors, services
from ..forms import vocabulary_form_class
from ..models import VOCABULARIES

VOCABULARY_SLUGS = {model._meta.model_name: model for model in VOCABULARIES}


def _vocabulary_model(slug):
    try:
        return VOCABULARY_SLUGS[slug]
    except KeyError:
        raise Http404 from None


def vocabulary_index(request):
    return render(
        request,
        "seizures/vocabulary_index.html",
        {
            "vocabularies": [
                (slug, model._meta.verbose_name_plural, model.objects.count())
                for slug, model in VOCABULARY_SLUGS.items()
            ]
        },
    )


def vocabulary_list(request, slug):
    model = _vocabulary_model(slug)
    return render(
        request,
        "seizures/vocabulary_list.html",
        {"slug": slug, "title": model._meta.verbose_name_plural, "entries": model.objects.all()},
    )


@role_required(Role.WCO_STAFF)
def vocabulary_edit(request, slug, pk=None):
    model = _vocabulary_model(slug)
    entry = selectors.vocabulary_entry_get(model=model, pk=pk) if pk else model()
    form = vocabulary_form_class(model)(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        try:
            services.vocabulary_entry_save(user=request.user, entry=form.instance, request=request)
        except ValidationError as error:
            form.add_error(None, error)  # e.g. moving a commodity used by validated cases
        else:
            messages.success(request, _("The entry has been saved."))
            return redirect("seizures:vocabulary-list", slug=slug)
    return render(
        request,
        "seizures/vocabulary_form.html",
        {"form": form, "slug": slug, "title": model._meta.verbose_name, "entry": entry},
    )
