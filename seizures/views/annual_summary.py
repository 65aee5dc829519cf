"""The printable annual summary of validated cases, for one year and commodity area."""

from django.shortcuts import render

from ..statistics.annual import AnnualSummaryForm, annual_summary, last_full_year


def annual_summary_page(request):
    data = request.GET.copy()
    data.setdefault("year", str(last_full_year()))  # the statistics page links with an area only
    form = AnnualSummaryForm(data)
    form.is_valid()  # a field that does not validate shows its error and falls back to its default
    year = form.cleaned_data.get("year") or last_full_year()
    area = form.cleaned_data.get("area")
    summary = annual_summary(user=request.user, year=year, area=area)
    return render(request, "seizures/statistics_annual.html", {"form": form, **summary})
