import datetime
import io
import json

import openpyxl
import pytest
from django.db.models import Count
from django.urls import reverse
from django_countries import countries

from accounts.models import AuditAction, AuditEvent
from seizures.models import Case, CaseStatus
from seizures.services import cases as services
from seizures.statistics.panels import TOP, Panel, ranked

URL = reverse("seizures:statistics")


def _chart(page: str, name: str) -> dict:
    marker = f'<script id="chart-{name}" type="application/json">'
    start = page.index(marker) + len(marker)
    return json.loads(page[start : page.index("</script>", start)])


def test_every_role_that_searches_sees_statistics_in_the_menu(as_user, officer, analyst):
    for user in (officer, analyst):
        page = as_user(user).get(reverse("home")).content.decode()
        assert URL in page


def test_the_page_needs_a_verified_login(client, db):
    assert client.get(URL).status_code == 302


def test_panels_show_validated_cases_with_links_to_the_search(validated, as_user, analyst):
    page = as_user(analyst).get(URL, {"period": "year", "stack": ""}).content.decode()
    time = _chart(page, "time")
    assert time["labels"] == ["2025"]
    assert time["datasets"][0]["data"] == [4]  # the draft is never counted
    departure = _chart(page, "departure")
    assert departure["labels"][0] == "Ecuador"
    assert departure["datasets"][0]["data"][0] == 2
    link = departure["datasets"][0]["links"][0]
    assert "departure=EC" in link and "route_country" not in link
    assert "status=validated" in link
    # The link opens the search on exactly the cases counted.
    search = as_user(analyst).get(link).content.decode()
    assert "2 cases" in search


def test_the_filters_are_the_search_filters(validated, as_user, analyst):
    page = as_user(analyst).get(URL, {"country": "KE", "stack": ""}).content.decode()
    assert _chart(page, "reporting")["labels"] == ["Kenya"]
    assert _chart(page, "time")["datasets"][0]["data"] == [1]
    assert 'name="country"' in page


def test_excel_download_matches_the_panel(validated, as_user, analyst):
    client = as_user(analyst)
    page = client.get(URL, {"stack": "area"}).content.decode()
    chart = _chart(page, "time")
    response = client.get(URL, {"stack": "area", "download": "time"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Period", "Series", "Cases")
    cases_in_sheet = {(row[0], row[1]): row[2] for row in rows[1:]}
    cases_in_chart = {
        (label, dataset["label"]): count
        for dataset in chart["datasets"]
        for label, count in zip(chart["labels"], dataset["data"], strict=True)
        if count
    }
    assert cases_in_sheet == cases_in_chart
    assert AuditEvent.objects.filter(details__statistics_panel="time").exists()


def test_an_unknown_panel_download_is_a_404(validated, as_user, analyst):
    assert as_user(analyst).get(URL, {"download": "nope"}).status_code == 404


@pytest.mark.parametrize("query", [{"q": "zzz-nothing"}, {"date_from": "2030-01-01"}])
def test_no_match_shows_a_message(validated, as_user, analyst, query):
    page = as_user(analyst).get(URL, query).content.decode()
    assert "No validated case matching these filters has this information." in page
    assert Case.objects.exists()


@pytest.mark.parametrize(
    "query", [{"date_from": "2025-13-45"}, {"quantity_min": "5", "quantity_max": "1"}]
)
def test_invalid_filters_show_a_message_and_no_numbers(validated, as_user, analyst, query):
    client = as_user(analyst)
    page = client.get(URL, query).content.decode()
    assert "Correct the filters above: no statistics are shown until they are valid." in page
    assert "data-panel=" not in page
    assert client.get(URL, {**query, "download": "reporting"}).status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT_CREATED).exists()


def test_route_and_method_panels_link_to_the_search(validated, as_user, analyst, vocab):
    page = as_user(analyst).get(URL).content.decode()
    routes = _chart(page, "routes")
    assert routes["labels"][0] == "United Arab Emirates → France"
    transport = _chart(page, "transport_mode")
    assert transport["labels"] == [str(vocab.transport)]
    assert sum(sum(dataset["data"]) for dataset in transport["datasets"]) == 5
    link = transport["datasets"][0]["links"][0]
    assert f"transport_mode={vocab.transport.pk}" in link and "area=" in link
    assert "Detection methods per commodity area" in page
    assert "Concealment methods per commodity area" in page


def test_the_over_time_panel_charts_one_unit_at_a_time(validated, as_user, analyst):
    client = as_user(analyst)
    query = {"period": "year", "stack": "", "measure": "mass_kg"}
    chart = _chart(client.get(URL, query).content.decode(), "time")
    # 120 kg + 0.5 kg + 3 kg of cocaine and 300 kg of ivory; the cartons are pieces.
    assert chart["datasets"][0]["data"] == [423.5]
    pieces = _chart(client.get(URL, {**query, "measure": "count_pieces"}).content.decode(), "time")
    assert pieces["datasets"][0]["data"][0] > 0 and pieces["datasets"][0]["data"] != [423.5]
    heads = client.get(URL, {**query, "measure": "heads"}).content.decode()
    assert 'id="chart-time"' not in heads  # no live animals: nothing to chart
    response = client.get(URL, {**query, "download": "time"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows == [("Period", "Series", "Quantity (kg)"), ("2025", "All commodities", 423.5)]


def test_a_route_links_to_its_departure_and_destination(validated, as_user, analyst):
    client = as_user(analyst)
    routes = _chart(client.get(URL).content.decode(), "routes")
    for label, link in zip(routes["labels"], routes["datasets"][0]["links"], strict=True):
        assert "departure=" in link and "destination=" in link
        assert "1 case" in client.get(link).content.decode(), label


def _counted(chart: dict) -> dict:
    return dict(zip(chart["labels"], chart["datasets"][0]["data"], strict=True))


def test_the_country_of_seizure_and_the_reporting_administration_each_have_a_panel(
    validated, record, officer, national_admin, as_user, analyst
):
    # France reports a seizure made in China: one more case for the administration
    # of France, counted under China as the country of seizure.
    abroad = record(officer, date=datetime.date(2025, 5, 9), country="CN")
    services.case_validate(user=national_admin, case=abroad)
    page = as_user(analyst).get(URL).content.decode()
    assert "Top countries of seizure" in page and "Top reporting administrations" in page
    counted = Case.objects.filter(status=CaseStatus.VALIDATED)
    by_country = counted.values_list("country").annotate(n=Count("pk"))
    assert _counted(_chart(page, "reporting")) == {
        countries.name(code): n for code, n in by_country
    }
    by_administration = counted.values_list("administration__name").annotate(n=Count("pk"))
    assert _counted(_chart(page, "administrations")) == dict(by_administration)
    [link] = [
        link
        for label, link in zip(
            _chart(page, "administrations")["labels"],
            _chart(page, "administrations")["datasets"][0]["links"],
            strict=True,
        )
        if label == officer.administration.name
    ]
    assert f"administration={officer.administration.pk}" in link
    assert "4 cases" in as_user(analyst).get(link).content.decode()


def test_the_route_panel_shows_every_route_tied_at_its_last_rank(
    validated, record, officer, national_admin, as_user, analyst
):
    # Three routes of one case each already; nine more make twelve, all tied.
    for day, departure in enumerate(["BR", "PE", "BO", "PY", "UY", "AR", "CL", "VE", "GY"], 1):
        case = record(
            officer,
            date=datetime.date(2025, 7, day),
            legs=[("departure", departure), ("destination", "FR")],
        )
        services.case_validate(user=national_admin, case=case)
    page = as_user(analyst).get(URL).content.decode()
    routes = _counted(_chart(page, "routes"))
    assert len(routes) == 12 and set(routes.values()) == {1}
    assert "Peru → France" in routes


def test_a_ranking_says_how_many_more_are_tied_when_they_are_too_many_to_show():
    rows = [("A", 5), *[(f"tied {n}", 1) for n in range(30)]]
    panel = Panel(name="routes", title="", headings=[])
    shown = ranked(rows, panel)
    assert shown == rows[:TOP]
    assert panel.note == f"And {31 - TOP} more tied with the last one shown."
    few = [("A", 5), ("B", 4), *[(f"tied {n}", 1) for n in range(12)]]
    panel = Panel(name="routes", title="", headings=[])
    assert ranked(few, panel) == few and not panel.note
    distinct = [(str(n), 100 - n) for n in range(15)]
    assert ranked(distinct, panel) == distinct[:TOP]


def test_not_known_is_a_bucket_of_its_own_and_a_trace_is_never_in_the_kilograms(
    validated, trace_not_known, as_user, analyst, vocab
):
    client = as_user(analyst)
    query = {"period": "year", "stack": "", "measure": "mass_kg"}
    page = client.get(URL, query).content.decode()
    # The 423.5 kg of the four other cases, the trace counted apart.
    assert _chart(page, "time")["datasets"][0]["data"] == [423.5]
    assert "1 seizure without a recorded quantity is left out of the quantities." in page
    cases = _chart(client.get(URL, {**query, "measure": "cases"}).content.decode(), "time")
    assert cases["datasets"][0]["data"] == [5]
    transport = _chart(page, "transport_mode")
    assert transport["labels"] == [str(vocab.transport), "Not known"]
    not_known = {dataset["label"]: dataset["data"][1] for dataset in transport["datasets"]}
    assert sum(not_known.values()) == 1
    detection = _chart(page, "detection_method")
    assert "Not known" in detection["labels"]
    stacked = client.get(URL, {**query, "stack": "area"}).content.decode()
    assert "1 seizure without a recorded quantity is left out of the quantities." in stacked
