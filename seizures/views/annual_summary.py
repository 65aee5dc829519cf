"""The printable annual summary of validated cases, for one year and commodity area."""

from django.shortcuts import render

from ..statistics.annual import AnnualSummaryForm, annual_summary, last_full_year


def annual_summary_page(request):
    form = AnnualSummaryForm(request.GET or {"year": last_full_year()})
    if form.is_valid():
        year, area = form.cleaned_data["year"], form.cleaned_data["area"]
    else:
        year, area = last_full_year(), None
    summary = annual_summary(user=request.user, year=year, area=area)
    return render(request, "seizures/statistics_annual.html", {"form": form, **summary})
