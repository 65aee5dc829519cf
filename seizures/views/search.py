"""The case search page: filters, keyset pages, count and facets."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from .. import services
from ..forms import (
    ExportForm,
    SavedSearchForm,
)
from ..search.facets import counted_facets
from ..search.forms import CaseSearchForm, normalised_query
from ..search.pagination import keyset_page
from ..search.query import SORT_FIELDS, case_search
from ..search.rows import ROW_FIELDS, result_rows

FACET_TITLES = [
    (gettext_lazy("Commodity"), "commodity_type"),
    (gettext_lazy("Country of seizure"), "country"),
    (gettext_lazy("Transport mode"), "transport_mode"),
    (gettext_lazy("Detection method"), "detection_method"),
    (gettext_lazy("Year"), "year"),
]


def _narrowed(query, name: str, value: str) -> str:
    narrowed = query.copy()
    narrowed.pop("after", None)
    if name == "year":
        narrowed["date_from"], narrowed["date_to"] = f"{value}-01-01", f"{value}-12-31"
    elif value not in narrowed.getlist(name):
        narrowed.appendlist(name, value)
    return narrowed.urlencode()


def _facet_links(query, counts) -> list:
    """(title, [(label, count, narrowed query)]) per facet. A filter the search
    does not set yet is appended to the page's query string as it is, which is
    what ``_narrowed`` would write, without a copy of the query per value."""
    page_query = query.copy()
    page_query.pop("after", None)
    encoded = page_query.urlencode()
    facets = []
    for title, name in FACET_TITLES:
        links = []
        for value, label, count in counts[name]:
            if name == "year" or name in page_query:
                narrowed = _narrowed(query, name, value)
            else:
                added = urlencode({name: value})
                narrowed = f"{encoded}&{added}" if encoded else added
            links.append((label, count, narrowed))
        facets.append((title, links))
    return facets


def case_search_view(request):
    form = CaseSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    cases = case_search(user=request.user, filters=filters)
    order = SORT_FIELDS.get(filters.get("sort") or "-date", SORT_FIELDS["-date"])
    rows, next_token = keyset_page(
        cases.select_related(None).only(*ROW_FIELDS), order=order, after=request.GET.get("after")
    )
    counts, total, more = counted_facets(cases)
    query = request.GET.copy()
    facets = _facet_links(query, counts)
    page_query = query.copy()
    page_query.pop("after", None)
    services.cases_searched(
        user=request.user,
        filters=dict(page_query.lists()),
        results={"results": total, "more_than": more},
        first_page=not request.GET.get("after"),
        request=request,
    )
    return render(
        request,
        "seizures/case_search.html",
        {
            "form": form,
            "rows": rows,
            "result_rows": result_rows(rows),
            "total": total,
            "more": more,
            "facets": facets,
            "facets_estimated": counts.estimated,
            "next_query": f"{page_query.urlencode()}&after={next_token}" if next_token else "",
            "first_query": page_query.urlencode(),
            "is_first_page": not request.GET.get("after"),
            "export_form": ExportForm(initial={"query": page_query.urlencode()}),
            "save_form": SavedSearchForm(initial={"query": page_query.urlencode()}),
        },
    )


def search_url(query: str) -> str:
    """The first page of a search."""
    return f"{reverse('seizures:case-search')}?{normalised_query(query)}"
