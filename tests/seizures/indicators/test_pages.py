import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from seizures.models import IndicatorSharing, RiskIndicator, SavedSearch

CREATE = reverse("seizures:risk-indicator-create")


def test_the_creation_form_is_prefilled_and_describes_the_filters(as_user, analyst, vocab):
    query = f"commodity_type={vocab.cocaine.pk}&route_country=EC&route_role=departure&period=year"
    page = as_user(analyst).get(f"{CREATE}?{query}").content.decode()
    assert f'<option value="{vocab.cocaine.pk}" selected>' in page
    assert 'data-testid="filters"' in page
    assert "Country on the route" in page and "Ecuador" in page
    assert "as departure" in page
    assert "Cocaine" in page


def test_an_indicator_is_created_from_the_search_query(as_user, analyst, vocab, france, kenya):
    client = as_user(analyst)
    # The statistics page's own parameters, the page token, status and sort are dropped.
    query = (
        f"route_country=EC&commodity_type={vocab.cocaine.pk}&period=year&after=abc"
        "&status=draft&sort=date&q="
    )
    response = client.post(
        f"{CREATE}?{query}",
        {
            "name": "Cocaine from Ecuador",
            "description": "Fruit cargo",
            "sharing": IndicatorSharing.ADMINISTRATIONS,
            "shared_with": [kenya.pk],
            "route_country": "EC",
            "commodity_type": str(vocab.cocaine.pk),
            "status": "draft",
            "sort": "date",
        },
    )
    indicator = RiskIndicator.objects.get()
    assert response.status_code == 302 and response["Location"] == indicator.get_absolute_url()
    # The search form's order, not the order of the request.
    assert indicator.query == f"route_country=EC&commodity_type={vocab.cocaine.pk}"
    assert indicator.owner == analyst and indicator.administration == france
    assert list(indicator.shared_with.all()) == [kenya]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"commodity_type": "999999"}, "These filters are not a valid search"),
        ({"date_from": "2025-13-45"}, "These filters are not a valid search"),
        ({"date_from": "2025-05-01", "date_to": "2025-01-01"}, "The end date is before"),
        ({}, "Choose at least one filter"),
        ({"sort": "date", "status": "validated"}, "Choose at least one filter"),
    ],
)
def test_a_bad_or_empty_filter_is_refused_with_a_message(as_user, analyst, data, message):
    response = as_user(analyst).post(CREATE, {"name": "Bad", "sharing": "private", **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RiskIndicator.objects.exists()


def test_sharing_with_chosen_administrations_needs_one(as_user, analyst, cocaine_query, vocab):
    response = as_user(analyst).post(
        CREATE,
        {"name": "x", "sharing": "administrations", "commodity_type": str(vocab.cocaine.pk)},
    )
    assert "Choose at least one administration to share with." in response.content.decode()
    assert not RiskIndicator.objects.exists()


def test_the_message_is_in_the_users_language(as_user, analyst):
    analyst.language = "fr"
    analyst.save()
    page = as_user(analyst).post(CREATE, {"name": "x", "sharing": "private"}).content.decode()
    assert '<html lang="fr"' in page
    assert not RiskIndicator.objects.exists()


def test_the_owner_edits_the_filters_and_sharing(as_user, analyst, make_indicator, vocab):
    indicator = make_indicator(analyst)
    client = as_user(analyst)
    url = reverse("seizures:risk-indicator-edit", args=[indicator.pk])
    page = client.get(url).content.decode()
    assert f'<option value="{vocab.cocaine.pk}" selected>' in page
    response = client.post(
        url,
        {
            "name": "Cigarettes",
            "description": "",
            "sharing": "all",
            "commodity_type": str(vocab.cigarettes.pk),
        },
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.name == "Cigarettes" and indicator.sharing == IndicatorSharing.ALL
    assert indicator.query == f"commodity_type={vocab.cigarettes.pk}"


def test_the_profile_page_shows_the_numbers(as_user, analyst, make_indicator, known_cases):
    indicator = make_indicator(analyst)
    response = as_user(analyst).get(indicator.get_absolute_url())
    page = response.content.decode()
    profile = response.context["profile"]
    assert profile.cases == 4
    assert '<p class="display-6 mb-0" data-testid="case-count">4</p>' in page
    assert 'id="chart-months"' in page
    assert "Most frequent concealment methods" in page
    assert "status=validated" in response.context["search_link"]
    # The search link opens exactly the cases counted.
    search = as_user(analyst).get(response.context["search_link"]).content.decode()
    assert "4 cases" in search


def test_the_excel_sheet_matches_the_profile_and_is_audited(
    as_user, analyst, make_indicator, known_cases
):
    indicator = make_indicator(analyst, sharing=IndicatorSharing.ALL)
    client = as_user(analyst)
    profile = client.get(indicator.get_absolute_url()).context["profile"]
    response = client.get(reverse("seizures:risk-indicator-excel", args=[indicator.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == 1
    sheet = workbook.active
    assert sheet.page_setup.paperSize == 9  # A4
    # Fitted to one page: fitToWidth and fitToHeight are 1, the default when absent.
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight in (None, 1)
    assert sheet.print_area
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][0] == "Cocaine"
    left = {row[0]: row[1:6] for row in cells if row[0] is not None}
    assert left["Validated cases"][0] == profile.cases == 4
    assert left["Commodity"][0] == "Cocaine"
    for quantity in profile.quantities:
        assert left[quantity.label] == (
            quantity.cases,
            float(quantity.total),
            float(quantity.lower_quartile),
            float(quantity.median),
            float(quantity.upper_quartile),
        )
    for panel in profile.panels:
        for row in panel.rows:
            assert tuple(left[str(row[0])][: len(row) - 1]) == tuple(float(v) for v in row[1:])
    months = {row[7]: row[8] for row in cells[2:] if row[7] is not None}
    assert months == dict(profile.months.rows)
    event = AuditEvent.objects.get(action=AuditAction.EXPORT_CREATED)
    assert event.details == {
        "risk_indicator": indicator.pk,
        "query": indicator.query,
        "format": "xlsx",
    }
    assert event.actor == analyst


def test_the_printable_page_has_no_navigation_and_is_audited(
    as_user, officer, analyst, make_indicator, known_cases
):
    indicator = make_indicator(analyst, sharing=IndicatorSharing.ALL)
    response = as_user(officer).get(reverse("seizures:risk-indicator-print", args=[indicator.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<nav" not in page and "navbar" not in page
    assert "risk_indicator.css" in page
    assert "4 validated cases match these filters" in page
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT_CREATED, actor=officer, details__format="print"
    ).exists()


def test_a_reader_turns_the_indicator_into_a_watch_list(as_user, officer, analyst, make_indicator):
    indicator = make_indicator(analyst, sharing=IndicatorSharing.ALL)
    SavedSearch.objects.create(user=officer, name="Cocaine", query="q=older")
    SavedSearch.objects.create(user=officer, name="Cocaine (2)", query="q=old")
    client = as_user(officer)
    response = client.post(reverse("seizures:risk-indicator-watch", args=[indicator.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("seizures:saved-search-list")
    watch = SavedSearch.objects.get(user=officer, name="Cocaine (3)")
    assert watch.is_watch and watch.query == indicator.query
    # The saved searches of the same name are left alone.
    assert SavedSearch.objects.get(user=officer, name="Cocaine").query == "q=older"
    assert not SavedSearch.objects.filter(user=analyst).exists()
    page = client.get(response["Location"]).content.decode()
    assert "The watch list “Cocaine (3)” has been created" in page


def test_the_watch_list_finds_the_indicators_new_cases(
    as_user, officer, analyst, make_indicator, known_cases
):
    """The watch's query selects, through the search, the same cases as the profile."""
    from django.http import QueryDict

    from seizures.search.forms import CaseSearchForm
    from seizures.search.query import case_search

    indicator = make_indicator(analyst, sharing=IndicatorSharing.ALL)
    as_user(officer).post(reverse("seizures:risk-indicator-watch", args=[indicator.pk]))
    watch = SavedSearch.objects.get(user=officer)
    form = CaseSearchForm(QueryDict(watch.query))
    assert form.is_valid()
    matched = case_search(user=officer, filters={**form.cleaned_data, "status": "validated"})
    expected = {
        known_cases[name].pk for name in ("ec_cargo", "ec_container", "co_liquid", "kenyan")
    }
    assert set(matched.values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("name", ["list", "create", "detail", "edit", "print", "delete"])
def test_arabic_pages_render_right_to_left(
    as_user, analyst, make_indicator, known_cases, cocaine_query, name
):
    analyst.language = "ar"
    analyst.save()
    indicator = make_indicator(analyst, sharing=IndicatorSharing.ALL)
    url = {
        "list": reverse("seizures:risk-indicator-list"),
        "create": f"{CREATE}?{cocaine_query}",
    }.get(name) or reverse(f"seizures:risk-indicator-{name}", args=[indicator.pk])
    response = as_user(analyst).get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page
    assert "bootstrap.rtl.min.css" in page


def test_the_statistics_and_search_pages_link_to_a_new_indicator(as_user, analyst, officer, vocab):
    query = f"commodity_type={vocab.cocaine.pk}"
    statistics = as_user(analyst).get(f"{reverse('seizures:statistics')}?{query}")
    assert f"{CREATE}?{query}" in statistics.content.decode()
    search = as_user(analyst).get(f"{reverse('seizures:case-search')}?{query}")
    assert f"{CREATE}?{query}" in search.content.decode()
    # Officers do not build indicators: no button.
    assert CREATE not in as_user(officer).get(reverse("seizures:statistics")).content.decode()


def test_the_navigation_links_the_indicators(as_user, officer):
    page = as_user(officer).get(reverse("home")).content.decode()
    assert reverse("seizures:risk-indicator-list") in page


def test_filters_that_are_no_longer_a_search_count_nothing(as_user, analyst, make_indicator):
    indicator = make_indicator(analyst)
    RiskIndicator.objects.filter(pk=indicator.pk).update(query="commodity_type=999999")
    client = as_user(analyst)
    response = client.get(indicator.get_absolute_url())
    assert response.context["profile"] is None
    assert "These filters are not a valid search" in response.content.decode()
    excel = client.get(reverse("seizures:risk-indicator-excel", args=[indicator.pk]))
    assert excel.status_code == 302 and excel["Location"] == indicator.get_absolute_url()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT_CREATED).exists()


def test_the_profile_page_makes_a_fixed_number_of_queries(
    as_user,
    analyst,
    make_indicator,
    known_cases,
    record,
    officer,
    national_admin,
    django_assert_max_num_queries,
):
    """One query per part of the profile, whatever the number of cases or rows."""
    import datetime

    from seizures.services import cases as case_services

    indicator = make_indicator(analyst)
    client = as_user(analyst)
    for day in range(1, 6):
        case = record(officer, date=datetime.date(2024, day, 2), quantity=str(day))
        case_services.case_validate(user=national_admin, case=case)
    with django_assert_max_num_queries(25):
        assert client.get(indicator.get_absolute_url()).context["profile"].cases == 9
