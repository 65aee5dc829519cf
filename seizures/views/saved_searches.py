"""Saved searches and watch lists."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms import SavedSearchForm
from .search import search_url


@require_POST
def saved_search_create(request):
    form = SavedSearchForm(request.POST)
    if form.is_valid():
        saved = services.saved_search_save(
            user=request.user,
            name=form.cleaned_data["name"],
            query=form.cleaned_data["query"],
            is_watch=form.cleaned_data["is_watch"],
        )
        messages.success(request, _("The search has been saved as “%(name)s”.") % {"name": saved})
    else:
        messages.error(request, _("Give the search a name."))
    return redirect(search_url(request.POST.get("query", "")))


def saved_search_list(request):
    return render(
        request,
        "seizures/saved_search_list.html",
        {"searches": selectors.saved_search_list(user=request.user)},
    )


@require_POST
def saved_search_watch(request, pk):
    saved = selectors.saved_search_get(user=request.user, pk=pk)
    services.saved_search_save(
        user=request.user, name=saved.name, query=saved.query, is_watch=not saved.is_watch
    )
    return redirect("seizures:saved-search-list")


@require_POST
def saved_search_delete(request, pk):
    services.saved_search_delete(saved=selectors.saved_search_get(user=request.user, pk=pk))
    messages.success(request, _("The saved search has been deleted."))
    return redirect("seizures:saved-search-list")
