"""The search page's result rows, written in Python (seizures/search/rows.py),
and its count taken from the facets of a small result (seizures/search/facets.py)."""

import datetime

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from seizures import services
from seizures.models import (
    Case,
    CommodityArea,
    CommodityLine,
    CommodityType,
    Photo,
    TransportMode,
)
from seizures.search import facets, pagination
from seizures.search.rows import ROW_FIELDS, result_rows

from .conftest import trace_data

SEARCH = reverse("seizures:case-search")

# The rows as case_search.html drew them before, one template lookup at a time.
TEMPLATE_ROWS = Template(
    """{% load i18n seizures_tags %}{% for case in rows %}<tr>
        <td class="text-nowrap">{{ case.seizure_date|date:"Y-m-d" }}</td>
        <td><a href="{{ case.get_absolute_url }}">{{ case.reference }}</a>{% if case.status != "validated" %} {% include "seizures/_status.html" %}{% endif %}</td>
        <td>{{ case.country.name }}</td>
        <td class="text-nowrap">{% for leg in case.route_legs.all %}{{ leg.country.code }}{% if not forloop.last %} › {% endif %}{% empty %}—{% endfor %}</td>
        <td>{% for line in case.lines.all %}<div>{{ line.commodity_type }}: {% if line.quantity_not_recorded %}{% translate "quantity not recorded" %}{% else %}{{ line.quantity|quantity }} {{ line.unit }}{% endif %}</div>{% endfor %}</td>
        <td>{{ case.transport_mode }}</td>
        <td>{% with photo=case.photos.all|first %}{% if photo %}<img class="search-thumb" src="{% url 'seizures:photo-thumbnail' photo.pk %}" alt="{{ photo.get_kind_display }}">{% endif %}{% endwith %}</td>
      </tr>{% endfor %}"""  # noqa: E501
)


def _as_the_template_drew_them(ids) -> str:
    cases = (
        Case.objects.filter(pk__in=ids)
        .select_related("transport_mode")
        .prefetch_related(
            Prefetch(
                "lines", queryset=CommodityLine.objects.select_related("commodity_type", "unit")
            ),
            "route_legs",
            "photos",
        )
        .order_by("-seizure_date", "-id")
    )
    return TEMPLATE_ROWS.render(Context({"rows": cases}))


@pytest.fixture
def varied_cases(db, record, officer, kenyan_officer, vocab):
    """Every kind of cell: statuses and the quality badge, photos, several lines,
    a quantity not recorded, large and decimal quantities, routes or none, and
    labels that need escaping."""
    CommodityType.objects.filter(code="CIGARETTES").update(
        label_en="Cigarettes & <cigars>", label_fr="Cigarettes « & »", label_ar="سجائر & <>"
    )
    TransportMode.objects.filter(pk=vocab.transport.pk).update(label_en='Air "cargo"')
    made = [
        record(
            officer,
            date=datetime.date(2025, 5, 1),
            quantity="12000.5",
            legs=[("departure", "EC"), ("transit", "PA"), ("destination", "FR")],
            more_lines=[("CIGARETTES", "50", "CARTON")],
        ),
        record(kenyan_officer, date=datetime.date(2026, 2, 3), commodity="IVORY", quantity="3"),
        record(officer, date=datetime.date(2026, 2, 3), commodity="CIGARETTES", quantity="0.25"),
    ]
    trace = trace_data(officer, vocab, date=datetime.date(2024, 1, 9))
    made.append(services.case_create(user=officer, data=trace))
    Case.objects.filter(pk=made[1].pk).update(status="validated")
    Case.objects.filter(pk=made[2].pk).update(quality_flag="Quantity looks high")
    Case.objects.filter(pk=made[3].pk).update(status="rejected", quality_flag="x")
    for kind in ("xray", "seizure"):
        Photo.objects.create(case=made[0], image="photos/a.jpg", kind=kind, uploaded_by=officer)
    Photo.objects.create(case=made[2], image="photos/b.jpg", kind="packaging", uploaded_by=officer)
    return [case.pk for case in made]


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_rows_are_the_html_the_template_wrote(varied_cases, language):
    with translation.override(language):
        expected = _as_the_template_drew_them(varied_cases)
        page = list(
            Case.objects.filter(pk__in=varied_cases)
            .only(*ROW_FIELDS)
            .order_by("-seizure_date", "-id")
        )
        assert "".join(result_rows(page)) == expected
    assert expected.count("<tr>") == 4


def test_the_rows_escape_and_mark_what_the_template_did(varied_cases):
    page = list(Case.objects.filter(pk__in=varied_cases).only(*ROW_FIELDS))
    html = "".join(result_rows(page))
    assert "<div>Cigarettes &amp; &lt;cigars&gt;: 50 cartons (200 sticks)</div>" in html
    assert "<div>Cocaine: 12,000.5 kilogram (kg)</div>" in html
    assert "<td>Air &quot;cargo&quot;</td>" in html
    assert "EC › PA › FR" in html and '<td class="text-nowrap">—</td>' in html
    assert "quantity not recorded" in html
    assert '<span class="badge text-bg-danger">Rejected</span>' in html
    assert html.count('<span class="badge text-bg-warning">Quality problem</span>') == 2
    first_photo = Photo.objects.filter(case_id=varied_cases[0]).order_by("id").first()
    assert f'src="/cases/photos/{first_photo.pk}/thumbnail/" alt="X-ray image"' in html


def test_the_rows_name_an_entry_made_after_the_lists_were_cached(as_user, officer, record, vocab):
    client = as_user(officer)
    client.get(SEARCH)  # the option lists cached
    area = CommodityArea.objects.first()
    CommodityType.objects.create(
        code="NEWTHING", label_en="New thing", area=area, default_unit=vocab.kg
    )
    record(officer, date=datetime.date(2026, 1, 5), commodity="NEWTHING")
    assert "<div>New thing: 10 kilogram" in client.get(SEARCH).content.decode()


def test_the_rows_read_no_model_per_line(as_user, officer, record):
    """Three short queries for every row of a page (lines, legs, photos), whatever
    the number of rows."""
    for day in range(1, 8):
        record(officer, date=datetime.date(2026, 1, day), more_lines=[("CIGARETTES", "1", "KG")])
    page = list(Case.objects.only(*ROW_FIELDS))
    result_rows(page)  # the lists cached
    with CaptureQueriesContext(connection) as queries:
        rows = result_rows(page)
    assert len(rows) == 7 and len(queries) == 3


# --- The count of a small result from its facets -------------------------------------


BOUNDED_COUNT = 'SELECT COUNT(*) FROM (SELECT "seizures_case"'


def _heavy(queries) -> dict[str, int]:
    return {
        "bounded count": sum(BOUNDED_COUNT in query["sql"] for query in queries),
        "facets": sum("GROUPING SETS" in query["sql"] for query in queries),
    }


def _page(client, params=None):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(SEARCH, params or {})
    assert page.status_code == 200
    return page, _heavy(queries)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the facets in one statement")
def test_a_small_result_is_counted_by_its_facets(as_user, officer, record):
    for day in range(1, 6):
        record(officer, date=datetime.date(2025 + day % 2, 1, day))
    client = as_user(officer)
    page, heavy = _page(client)
    # The matching cases read once: no bounded count beside the facets.
    assert heavy == {"bounded count": 0, "facets": 1}
    assert (page.context["total"], page.context["more"]) == (5, False)
    assert '<p data-testid="result-count">5 cases</p>' in page.content.decode()
    years = {str(t): v for t, v in page.context["facets"]}["Year"]
    assert [(label, n) for label, n, _query in years] == [("2026", 3), ("2025", 2)]
    page, heavy = _page(client, {"date_from": "2026-01-01"})
    assert page.context["total"] == 3 and heavy == {"bounded count": 0, "facets": 1}


def test_a_large_result_keeps_the_bounded_count(as_user, officer, record, monkeypatch):
    for day in range(1, 7):
        record(officer, date=datetime.date(2026, 1, day))
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    monkeypatch.setattr(facets, "SAMPLE_ROWS", 2)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE seizures_case")
    page, heavy = _page(as_user(officer))
    assert (page.context["total"], page.context["more"]) == (3, True)
    assert "More than 3 cases" in page.content.decode()
    assert heavy["bounded count"] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate")
@pytest.mark.parametrize("planned", [0, 10**9], ids=["guessed small", "guessed large"])
def test_a_wrong_guess_of_the_size_never_gives_a_wrong_count(
    as_user, officer, record, monkeypatch, planned
):
    for day in range(1, 7):
        record(officer, date=datetime.date(2026, 1, day))
    monkeypatch.setattr(facets, "_planned_rows", lambda base: planned)
    client = as_user(officer)
    # Six cases, a limit of ten: counted exactly whatever the guess.
    page, heavy = _page(client)
    assert (page.context["total"], page.context["more"]) == (6, False)
    assert not page.context["facets_estimated"]
    assert heavy == (
        {"bounded count": 0, "facets": 1} if planned == 0 else {"bounded count": 1, "facets": 1}
    )
    # A limit of three: more than three whatever the guess.
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    page, _heavy_queries = _page(client, {"date_from": "2026-01-02"})
    assert (page.context["total"], page.context["more"]) == (3, True)
    assert "More than 3 cases" in page.content.decode()


def test_the_empty_result_is_counted_without_a_statement(as_user, officer, record):
    record(officer, date=datetime.date(2026, 1, 5))
    page, heavy = _page(as_user(officer), {"q": "zzzqqq"})
    assert (page.context["total"], page.context["more"]) == (0, False)
    if connection.vendor == "postgresql":
        assert heavy == {"bounded count": 0, "facets": 0}


# --- The facets' links ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "after=abc",
        "country=FR&after=x&q=caf%C3%A9+%26+co",
        "commodity_type=3&date_from=2025-01-01",
    ],
)
def test_the_facet_links_are_the_narrowed_queries(query):
    from django.http import QueryDict

    from seizures.views.search import FACET_TITLES, _facet_links, _narrowed

    counts = {
        "commodity_type": [("3", "Cocaine", 5), ("7", "Ivory & tusks", 1)],
        "country": [("FR", "France", 4), ("KE", "Kenya", 2)],
        "transport_mode": [("1", "Air", 6)],
        "detection_method": [],
        "year": [("2026", "2026", 6)],
    }
    params = QueryDict(query)
    expected = [
        (title, [(label, n, _narrowed(params, name, value)) for value, label, n in counts[name]])
        for title, name in FACET_TITLES
    ]
    assert _facet_links(params, counts) == expected
    assert "after" not in "".join(link for _t, links in expected for _l, _n, link in links)


# --- The form's fields -----------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_field_tag_draws_what_the_field_template_drew(db, language):
    from django.template.loader import render_to_string

    from seizures.forms import ExportForm, SavedSearchForm
    from seizures.search.forms import CaseSearchForm
    from seizures.templatetags.seizures_tags import form_field

    with translation.override(language):
        forms = [
            CaseSearchForm(),
            # Errors on several fields, and values to escape.
            CaseSearchForm(
                {
                    "q": '"<b>&',
                    "date_from": "2026-02-01",
                    "date_to": "2026-01-01",
                    "hs_prefix": "x",
                    "quantity_min": "-1",
                    "country": ["FR", "ZZ"],
                    "has_photos": "on",
                }
            ),
            ExportForm(initial={"query": "a=1&b=<2>"}),
            SavedSearchForm({"name": "", "is_watch": "on"}),
            SavedSearchForm(initial={"query": "q=x"}),
        ]
        drawn = 0
        for form in forms:
            if form.is_bound:
                form.is_valid()
            for field in form:
                expected = render_to_string("seizures/_field.html", {"field": field})
                assert form_field(field) == expected, field.name
                drawn += bool(field.errors)
    assert drawn >= 5  # the errors were drawn too


def test_the_reporting_administrations_are_listed_without_a_server_side_cursor(
    as_user, officer, kenya
):
    with CaptureQueriesContext(connection) as queries:
        html = as_user(officer).get(SEARCH).content.decode()
    assert not any(query["sql"].startswith("DECLARE") for query in queries)
    listed = html[html.index('<select name="administration"') :]
    listed = listed[: listed.index("</select>")]
    assert '<option value="" selected>---------</option>' in listed
    assert f'<option value="{kenya.pk}">{kenya.name}</option>' in listed
