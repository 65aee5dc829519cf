"""The search form as the search and statistics pages draw it: option lists cached
per language and vocabulary version, the user's own selections, bounded queries."""

import re

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from seizures.models import CommodityType, TransportMode
from seizures.search.forms import CaseSearchForm, QuickSelect, QuickSelectMultiple
from tests.conftest import login_verified
from tests.test_cache_outage import DEAD_REDIS_CACHE

SEARCH = reverse("seizures:case-search")
STATISTICS = reverse("seizures:statistics")
LANGUAGES = ("en", "fr", "es", "ru", "ar", "pt")


def _option(page: str, name: str, value: str) -> str:
    """The <option> of ``value`` in the select called ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.search(rf'<option value="{re.escape(value)}"[^>]*>[^<]*</option>', select).group(0)


def _vocabulary_queries(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if re.search(r'FROM "seizures_(commodityarea|commoditytype|transportmode)"', query["sql"])
    ]


def _edit_label(client, entry, slug: str, label: str):
    data = {
        "code": entry.code,
        **{f"label_{language}": label for language in LANGUAGES},
        "order": str(entry.order),
        "is_active": "on",
    }
    url = reverse("seizures:vocabulary-update", args=[slug, entry.pk])
    assert client.post(url, data).status_code == 302


@pytest.mark.parametrize(
    ("choices", "value"),
    [
        ([("", "—"), ("FR", "France"), ("CI", "Côte d'Ivoire & co <b>")], "FR"),
        ([("", "—"), ("FR", "France")], None),
        ([("1", "Cocaine"), ("2", 'Heroin "No. 4"')], "2"),
    ],
)
def test_a_quick_select_writes_what_djangos_select_writes(choices, value):
    attrs = {"id": "id_x", "class": "form-select", "aria-invalid": "true"}
    expected = forms.Select(choices=choices).render("x", value, attrs)
    assert QuickSelect(choices=choices).render("x", value, attrs) == re.sub(r"\n\s*", "", expected)
    chosen = [value] if value else []
    expected = forms.SelectMultiple(choices=choices).render("x", chosen, attrs)
    quick = QuickSelectMultiple(choices=choices).render("x", chosen, attrs)
    assert quick == re.sub(r"\n\s*", "", expected)


def test_the_option_lists_are_built_once_per_language(db, django_assert_num_queries):
    with CaptureQueriesContext(connection) as first:
        str(CaseSearchForm()["transport_mode"])
    assert _vocabulary_queries(first.captured_queries)
    with CaptureQueriesContext(connection) as again:
        form = CaseSearchForm()
        html = "".join(str(form[name]) for name in form.fields)
    assert _vocabulary_queries(again.captured_queries) == []
    # The reporting administrations are read on each page: edited elsewhere, one query.
    assert len(again.captured_queries) == 1
    assert "Cocaine" in html and "Germany" in html
    with translation.override("fr"), CaptureQueriesContext(connection) as french:
        form = CaseSearchForm()
        html = "".join(str(form[name]) for name in form.fields)
    assert _vocabulary_queries(french.captured_queries)
    assert CommodityType.objects.get(code="COCAINE").label_fr in html
    assert "Allemagne" in html and "Germany" not in html


def test_the_search_page_lists_the_filters_in_the_users_language(as_user, analyst):
    client = as_user(analyst)
    mode = TransportMode.objects.order_by("order").first()
    assert mode.label_en in _option(
        client.get(SEARCH).content.decode(), "transport_mode", str(mode.pk)
    )
    analyst.language = "fr"
    analyst.save()
    page = client.get(SEARCH).content.decode()
    assert '<html lang="fr"' in page
    assert mode.label_fr in _option(page, "transport_mode", str(mode.pk))
    assert "Allemagne" in _option(page, "country", "DE")
    analyst.language = "en"
    analyst.save()
    page = client.get(SEARCH).content.decode()
    assert mode.label_en in _option(page, "transport_mode", str(mode.pk))
    assert "Germany" in _option(page, "country", "DE")


def test_a_vocabulary_edit_shows_in_the_filters_at_once(
    as_user, client_factory, analyst, wco_staff, django_capture_on_commit_callbacks
):
    mode = TransportMode.objects.order_by("order").first()
    reader = as_user(analyst)
    assert mode.label_en in _option(
        reader.get(SEARCH).content.decode(), "transport_mode", str(mode.pk)
    )
    analyst.language = "fr"
    analyst.save()
    assert mode.label_fr in _option(
        reader.get(SEARCH).content.decode(), "transport_mode", str(mode.pk)
    )
    # Both languages' lists are cached now; WCO staff rename the entry.
    editor = login_verified(client_factory(), wco_staff)
    with django_capture_on_commit_callbacks(execute=True):
        _edit_label(editor, mode, "transportmode", "Hovercraft")
    for url in (SEARCH, STATISTICS):
        assert "Hovercraft" in _option(
            reader.get(url).content.decode(), "transport_mode", str(mode.pk)
        )
    analyst.language = "en"
    analyst.save()
    assert "Hovercraft" in _option(
        reader.get(SEARCH).content.decode(), "transport_mode", str(mode.pk)
    )


def test_a_new_vocabulary_entry_is_offered_at_once(
    as_user, client_factory, analyst, wco_staff, django_capture_on_commit_callbacks
):
    reader = as_user(analyst)
    assert "Hoverboard" not in reader.get(SEARCH).content.decode()
    editor = login_verified(client_factory(), wco_staff)
    data = {
        "code": "HOVERBOARD",
        **{f"label_{language}": "Hoverboard" for language in LANGUAGES},
        "order": "300",
        "is_active": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(reverse("seizures:vocabulary-create", args=["transportmode"]), data)
    entry = TransportMode.objects.get(code="HOVERBOARD")
    page = reader.get(SEARCH, {"transport_mode": entry.pk}).content.decode()
    assert _option(page, "transport_mode", str(entry.pk)).endswith(" selected>Hoverboard</option>")


def test_the_selections_are_the_users_own(as_user, client_factory, analyst, officer):
    cocaine = CommodityType.objects.get(code="COCAINE")
    first = as_user(analyst).get(
        SEARCH, {"country": ["FR", "KE"], "commodity_type": cocaine.pk, "region": "EUR"}
    )
    page = first.content.decode()
    assert " selected" in _option(page, "country", "FR")
    assert " selected" in _option(page, "country", "KE")
    assert " selected" not in _option(page, "country", "DE")
    assert " selected" in _option(page, "commodity_type", str(cocaine.pk))
    assert " selected" in _option(page, "region", "EUR")
    other = login_verified(client_factory(), officer).get(SEARCH).content.decode()
    assert " selected" not in _option(other, "country", "FR")
    assert " selected" not in _option(other, "commodity_type", str(cocaine.pk))
    assert " selected" in _option(other, "region", "")


def test_a_filter_in_error_is_marked_for_assistive_technology(as_user, analyst):
    page = as_user(analyst).get(SEARCH, {"date_from": "2024-13-01", "quantity_min": "-1"})
    html = page.content.decode()
    date_input = re.search(r'<input type="date" name="date_from"[^>]*>', html).group(0)
    assert 'class="form-control is-invalid"' in date_input
    assert (
        'aria-invalid="true"' in date_input
        and 'aria-describedby="id_date_from_error"' in date_input
    )
    assert '<div id="id_date_from_error" class="invalid-feedback">' in html
    quantity = re.search(r'<input type="number" name="quantity_min"[^>]*>', html).group(0)
    assert 'aria-describedby="id_quantity_min_helptext id_quantity_min_error"' in quantity
    assert '<div id="id_quantity_min_helptext" class="form-text">' in html
    assert '<label for="id_country" class="form-label">Country of seizure</label>' in html
    assert '<select name="country" class="form-select" id="id_country" multiple>' in html
    assert re.search(
        r'<input type="checkbox" name="has_photos" class="form-check-input" id="id_has_photos">'
        r'<label for="id_has_photos" class="form-check-label">',
        html,
    )
    # The export and save forms beside the results: a required field is marked.
    assert (
        '<label for="id_name" class="form-label requiredField">Name'
        '<span class="asteriskField">*</span></label>'
        '<input type="text" name="name" maxlength="100" required class="form-control" id="id_name">'
    ) in html
    assert re.search(r'<input type="hidden" name="query" value="[^"]*" id="id_query">', html)


@pytest.mark.parametrize(
    "params",
    [{}, {"country": "FR", "date_from": "2024-01-01", "transport_mode": "1", "area": "1"}],
    ids=["no filter", "filtered"],
)
def test_the_search_page_renders_with_bounded_queries(
    as_user, analyst, cases, params, django_assert_max_num_queries
):
    client = as_user(analyst)
    client.get(SEARCH, params)  # the option lists cached
    # Session, user, second factor, the page, its rows, count, facets, audit; with
    # filters, the chosen vocabulary entries. No query for the option lists.
    # PostgreSQL counts the facets in one statement, SQLite in one per facet.
    from django.db import connection

    with django_assert_max_num_queries(18 if connection.vendor == "postgresql" else 22):
        response = client.get(SEARCH, params)
    assert response.status_code == 200


def test_the_search_page_answers_with_the_cache_down(as_user, analyst, settings, caplog):
    client = as_user(analyst)
    settings.CACHES = DEAD_REDIS_CACHE
    response = client.get(SEARCH, {"country": "FR"})
    assert response.status_code == 200
    assert " selected" in _option(response.content.decode(), "country", "FR")
    assert "cache is unreachable" in caplog.text
