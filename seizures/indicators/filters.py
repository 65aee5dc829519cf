"""An indicator's filters: the search's own query string, validated by the search
form and written in one canonical order, so that the same filters always read
the same and link to the same search."""

import datetime

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from ..search.forms import CaseSearchForm, filter_is_set

# The profile counts validated cases in its own order: a status or a sort means nothing.
NOT_FILTERS = {"status", "sort"}


def _encoded(value) -> list[str]:
    if hasattr(value, "pk"):
        return [str(value.pk)]
    if hasattr(value, "model") or isinstance(value, list | tuple):
        return [str(getattr(item, "pk", item)) for item in value]
    if value is True:
        return ["on"]
    if isinstance(value, datetime.date):
        return [value.isoformat()]
    return [str(value)]


def indicator_query(form: CaseSearchForm) -> str:
    """The filters a valid search form sets, as a canonical query string: the
    form's field order, values as the search reads them, no status, sort or page."""
    params = QueryDict(mutable=True)
    for name in form.fields:
        value = form.cleaned_data.get(name)
        if name not in NOT_FILTERS and filter_is_set(value):
            params.setlist(name, _encoded(value))
    return params.urlencode()


def indicator_search_form(query: str) -> CaseSearchForm:
    """The valid search form of an indicator's query; ValidationError, in the
    user's language, when the filters are not a search or select every case."""
    form = CaseSearchForm(QueryDict(query))
    if not form.is_valid():
        problems = [
            " ".join(messages)
            if name not in form.fields
            else f"{form.fields[name].label}: " + " ".join(messages)
            for name, messages in form.errors.items()
        ]
        raise ValidationError(
            _("These filters are not a valid search: %(problems)s"),
            code="invalid_filters",
            params={"problems": "; ".join(problems)},
        )
    if not indicator_query(form):
        raise ValidationError(
            _(
                "Choose at least one filter (a commodity, a country, a method…): an "
                "indicator over every case would point at nothing."
            ),
            code="no_filters",
        )
    return form
