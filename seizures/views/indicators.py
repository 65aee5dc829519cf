"""Risk indicators: list, create and edit (from a search's filters), delete, the
profile page, its one-page Excel sheet and printable page, and the watch list."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cen_suite.spreadsheets import XLSX_CONTENT_TYPE

from ..indicators import selectors, services
from ..indicators.filters import indicator_query, indicator_search_form
from ..indicators.forms import RiskIndicatorForm
from ..indicators.profile import indicator_profile
from ..indicators.sheet import profile_workbook
from ..models import RiskIndicator
from ..search.forms import CaseSearchForm, filters_in_words
from ..statistics.panels import search_link


def _search_part(data: QueryDict) -> str:
    """The search filters among a request's parameters, nothing else."""
    params = QueryDict(mutable=True)
    for name in CaseSearchForm.base_fields:
        values = [value for value in data.getlist(name) if value.strip()]
        if values:
            params.setlist(name, values)
    return params.urlencode()


def _problems(query: str) -> list[str]:
    try:
        indicator_search_form(query)
    except ValidationError as error:
        return error.messages
    return []


def risk_indicator_list(request):
    visible = selectors.risk_indicators_visible(request.user)
    return render(
        request,
        "seizures/indicators/list.html",
        {
            "mine": visible.filter(owner=request.user),
            "shared": visible.exclude(owner=request.user),
            "editable": set(
                selectors.risk_indicators_editable(request.user).values_list("pk", flat=True)
            ),
            "can_build": selectors.can_build_risk_indicators(request.user),
        },
    )


def _form_page(request, indicator: RiskIndicator | None):
    """Create and edit share one page: the indicator's name, rationale and
    sharing, beside the search form's filters."""
    if request.method == "POST":
        source = request.POST
    elif indicator is not None:
        source = QueryDict(indicator.query)
    else:
        source = request.GET
    query = _search_part(source)
    search_form = CaseSearchForm(QueryDict(query))
    search_form.is_valid()  # its errors show beside its fields
    instance = indicator or RiskIndicator(
        owner=request.user, administration=request.user.administration
    )
    instance.query = query  # validated with the form, by RiskIndicator.clean
    form = RiskIndicatorForm(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            fields = {
                "name": form.cleaned_data["name"],
                "description": form.cleaned_data["description"],
                "query": indicator_query(search_form),
                "sharing": form.cleaned_data["sharing"],
                "shared_with": list(form.cleaned_data["shared_with"]),
            }
            if indicator is None:
                indicator = services.risk_indicator_create(user=request.user, **fields)
                messages.success(request, _("The risk indicator has been created."))
            else:
                indicator = services.risk_indicator_update(indicator=indicator, **fields)
                messages.success(request, _("The risk indicator has been saved."))
            return redirect(indicator)
        messages.error(request, _("The risk indicator has not been saved: see below."))
    problems = _problems(query)
    return render(
        request,
        "seizures/indicators/form.html",
        {
            "form": form,
            "search_form": search_form,
            "indicator": indicator,
            "filters": [] if search_form.errors else filters_in_words(search_form),
            "problems": problems,
        },
    )


def risk_indicator_create(request):
    selectors.risk_indicator_builder_check(request.user)
    return _form_page(request, None)


def risk_indicator_edit(request, pk):
    return _form_page(request, selectors.risk_indicator_get_for_edit(user=request.user, pk=pk))


def risk_indicator_delete(request, pk):
    indicator = selectors.risk_indicator_get_for_edit(user=request.user, pk=pk)
    if request.method == "POST":
        services.risk_indicator_delete(indicator=indicator)
        messages.success(request, _("The risk indicator has been deleted."))
        return redirect("seizures:risk-indicator-list")
    return render(request, "seizures/indicators/delete.html", {"indicator": indicator})


def _profile_context(request, indicator: RiskIndicator) -> dict:
    query = QueryDict(indicator.query)
    context = {
        "indicator": indicator,
        "problems": [],
        "profile": None,
        "filters": [],
        "search_link": search_link(query),
        "can_edit": selectors.risk_indicators_editable(request.user)
        .filter(pk=indicator.pk)
        .exists(),
    }
    try:
        form = indicator_search_form(indicator.query)
    except ValidationError as error:
        # A vocabulary entry the filters name may have gone since: say so, count nothing.
        context["problems"] = error.messages
        return context
    context["filters"] = filters_in_words(form)
    context["profile"] = indicator_profile(
        user=request.user, filters=form.cleaned_data, query=query
    )
    return context


def risk_indicator_detail(request, pk):
    indicator = selectors.risk_indicator_get(user=request.user, pk=pk)
    return render(request, "seizures/indicators/profile.html", _profile_context(request, indicator))


def risk_indicator_print(request, pk):
    indicator = selectors.risk_indicator_get(user=request.user, pk=pk)
    context = _profile_context(request, indicator)
    services.risk_indicator_exported(request=request, indicator=indicator, kind="print")
    return render(request, "seizures/indicators/print.html", context)


def risk_indicator_excel(request, pk):
    indicator = selectors.risk_indicator_get(user=request.user, pk=pk)
    context = _profile_context(request, indicator)
    if context["profile"] is None:
        messages.error(request, context["problems"][0])
        return redirect(indicator)
    content = profile_workbook(
        indicator=indicator,
        profile=context["profile"],
        filters=context["filters"],
        user=request.user,
    )
    services.risk_indicator_exported(request=request, indicator=indicator, kind="xlsx")
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    name = slugify(indicator.name) or "indicator"
    response["Content-Disposition"] = f'attachment; filename="cen-risk-indicator-{name}.xlsx"'
    return response


@require_POST
def risk_indicator_watch(request, pk):
    indicator = selectors.risk_indicator_get(user=request.user, pk=pk)
    saved = services.risk_indicator_watch(user=request.user, indicator=indicator)
    messages.success(
        request,
        _(
            "The watch list “%(name)s” has been created: its newly validated cases "
            "will be e-mailed to you daily."
        )
        % {"name": saved.name},
    )
    return redirect("seizures:saved-search-list")
