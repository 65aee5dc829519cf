"""Photo search and similar photos."""

from django.shortcuts import render

from .. import selectors, services
from ..models import PhotoKind
from ..search.forms import CaseSearchForm
from ..search.pagination import keyset_page
from ..search.photos import photo_search, similar_photos
from ..search.query import case_search


def photo_search_view(request):
    form = CaseSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    kind = request.GET.get("kind") if request.GET.get("kind") in PhotoKind.values else None
    photos = photo_search(cases=case_search(user=request.user, filters=filters), kind=kind)
    rows, next_token = keyset_page(photos, order=("-id",), after=request.GET.get("after"), size=48)
    query = request.GET.copy()
    query.pop("after", None)
    services.cases_searched(
        user=request.user,
        filters=dict(query.lists()),
        results={"photos": len(rows)},
        first_page=not request.GET.get("after"),
        request=request,
    )
    return render(
        request,
        "seizures/photo_search.html",
        {
            "form": form,
            "photos": rows,
            "kinds": PhotoKind.choices,
            "kind": kind or "",
            "next_query": f"{query.urlencode()}&after={next_token}" if next_token else "",
            "first_query": query.urlencode(),
            "is_first_page": not request.GET.get("after"),
        },
    )


def photo_similar(request, pk):
    photo = selectors.photo_get(user=request.user, pk=pk)
    candidates = selectors.photo_list(user=request.user)
    return render(
        request,
        "seizures/photo_similar.html",
        {"photo": photo, "similar": similar_photos(photo=photo, candidates=candidates)},
    )
