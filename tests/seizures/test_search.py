import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from seizures import services
from seizures.models import CommodityType
from seizures.search.forms import CaseSearchForm
from seizures.search.pagination import bounded_count, keyset_page
from seizures.search.query import SORT_FIELDS, case_search
from seizures.validation import CaseData


def search(user, **params):
    form = CaseSearchForm(params)
    assert form.is_valid(), form.errors
    return set(
        case_search(user=user, filters=form.cleaned_data).values_list("reference", flat=True)
    )


def edit_to_one_cocaine_line(user, case, vocab, narrative=""):
    """Back to draft, then saved with a single line of 1 kg of cocaine."""
    case.status = "draft"
    case.save(update_fields=["status"])
    data = CaseData(
        fields={
            "seizure_date": case.seizure_date,
            "country": case.country,
            "transport_mode": vocab.transport,
            "detection_method": vocab.detection,
            "narrative": narrative,
        },
        lines=[{"commodity_type": vocab.cocaine, "quantity": Decimal("1"), "unit": vocab.kg}],
        legs=[],
        offenders=[],
    )
    services.case_update(user=user, case=case, data=data)


def refs(cases, *names):
    return {cases[name].reference for name in names}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["fr_cocaine", "fr_cigarettes", "ke_ivory"]),
        ({"date_from": "2026-01-01"}, ["fr_cigarettes", "ke_ivory"]),
        ({"date_to": "2025-12-31"}, ["fr_cocaine"]),
        ({"country": ["KE"]}, ["ke_ivory"]),
        ({"region": "EUR"}, ["fr_cocaine", "fr_cigarettes"]),
        ({"route_country": "PA"}, ["fr_cocaine"]),
        ({"route_country": "FR", "route_role": "destination"}, ["fr_cocaine", "fr_cigarettes"]),
        ({"route_country": "FR", "route_role": "departure"}, []),
        ({"hs_prefix": "99"}, []),
        # Normalised quantities: 50 cartons are 10,000 pieces.
        ({"quantity_min": "100"}, ["fr_cocaine", "fr_cigarettes", "ke_ivory"]),
        ({"quantity_min": "5000"}, ["fr_cigarettes"]),
        ({"quantity_min": "9000", "quantity_max": "11000"}, ["fr_cigarettes"]),  # 50 cartons
        ({"q": "banana"}, ["fr_cocaine"]),
        ({"q": "ocean"}, ["ke_ivory"]),
        ({"q": "nothing-like-this"}, []),
        ({"has_photos": "on"}, []),
    ],
)
def test_each_filter(officer, cases, params, expected):
    assert search(officer, **params) == refs(cases, *expected)


def test_filters_by_vocabulary(officer, cases):
    cocaine = CommodityType.objects.get(code="COCAINE")
    assert search(officer, commodity_type=[cocaine.pk]) == refs(cases, "fr_cocaine")
    assert search(officer, area=cocaine.area.pk) == refs(cases, "fr_cocaine")
    ivory = CommodityType.objects.get(code="IVORY")
    assert search(officer, commodity_type=[cocaine.pk, ivory.pk]) == refs(
        cases, "fr_cocaine", "ke_ivory"
    )
    # Area and type together: a type of that area.
    assert search(officer, area=cocaine.area.pk, commodity_type=[cocaine.pk, ivory.pk]) == refs(
        cases, "fr_cocaine"
    )
    assert search(officer, area=ivory.area.pk, commodity_type=[cocaine.pk]) == set()
    assert search(officer, administration=cases["ke_ivory"].administration.pk) == refs(
        cases, "ke_ivory"
    )


def test_line_conditions_apply_to_the_same_line(officer, cases):
    cocaine = CommodityType.objects.get(code="COCAINE")
    # 50 cartons are 10,000 pieces, but they are cigarettes, not cocaine.
    assert search(officer, commodity_type=[cocaine.pk], quantity_min="5000") == set()
    assert search(officer, commodity_type=[cocaine.pk], quantity_min="100") == refs(
        cases, "fr_cocaine"
    )
    assert search(officer, commodity_type=[cocaine.pk], hs_prefix="99") == set()


def test_filters_combine(officer, cases):
    assert search(officer, region="EUR", date_from="2026-01-01") == refs(cases, "fr_cigarettes")


def test_another_administrations_drafts_never_appear(
    officer, kenyan_officer, make_case, cases, client, as_user
):
    draft = make_case(kenyan_officer)
    assert draft.reference not in search(officer)
    assert draft.reference not in search(officer, status="draft")
    assert draft.reference in search(kenyan_officer, status="draft")
    page = as_user(officer).get(reverse("seizures:case-search"), {"status": "draft"})
    assert draft.reference not in page.content.decode()


def test_keyset_pages_walk_the_whole_result_once_in_order(officer, record):
    for day in range(1, 13):
        record(officer, date=datetime.date(2026, 1, (day % 3) + 1))  # many equal dates
    for sort, order in SORT_FIELDS.items():
        queryset = case_search(user=officer, filters={"sort": sort})
        seen, token = [], None
        while True:
            rows, token = keyset_page(queryset, order=order, after=token, size=5)
            seen += [row.pk for row in rows]
            if not token:
                break
        assert seen == list(queryset.values_list("pk", flat=True)), sort


def test_a_broken_page_token_gives_the_first_page(officer, cases):
    queryset = case_search(user=officer, filters={})
    rows, _token = keyset_page(queryset, order=SORT_FIELDS["-date"], after="!!not-a-token", size=2)
    assert [row.pk for row in rows] == list(queryset.values_list("pk", flat=True)[:2])


def test_counts_are_bounded(officer, cases):
    queryset = case_search(user=officer, filters={})
    assert bounded_count(queryset) == (3, False)
    assert bounded_count(queryset, limit=2) == (2, True)


def test_search_page_with_facets_that_narrow(as_user, officer, cases):
    client = as_user(officer)
    page = client.get(reverse("seizures:case-search"))
    assert page.status_code == 200
    facets = {str(title): values for title, values in page.context["facets"]}
    assert sum(count for _label, count, _query in facets["Year"]) == 3
    assert sum(count for _label, count, _query in facets["Country of seizure"]) == 3
    _label, _count, query = next(v for v in facets["Commodity"] if v[0] == "Ivory")
    narrowed = client.get(f"{reverse('seizures:case-search')}?{query}")
    assert [row.reference for row in narrowed.context["rows"]] == [cases["ke_ivory"].reference]


def test_the_url_round_trips_to_the_same_form(as_user, officer, cases):
    params = {
        "q": "banana",
        "date_from": "2025-01-01",
        "country": ["FR", "KE"],
        "region": "EUR",
        "sort": "date",
    }
    page = as_user(officer).get(reverse("seizures:case-search"), params)
    form = page.context["form"]
    assert form.cleaned_data["country"] == ["FR", "KE"]
    assert form.cleaned_data["date_from"] == datetime.date(2025, 1, 1)
    html = page.content.decode()
    assert 'value="banana"' in html and 'value="2025-01-01"' in html


def test_bad_filters_get_a_message_not_an_error(as_user, officer):
    page = as_user(officer).get(
        reverse("seizures:case-search"), {"date_from": "2026-05-01", "date_to": "2026-01-01"}
    )
    assert page.status_code == 200
    assert "before the start date" in page.content.decode()


def test_free_text_finds_words_in_several_languages(officer, record):
    from django.db import connection

    russian = record(officer, date=datetime.date(2026, 1, 5), narrative="Спрятано в мебели")
    french = record(officer, date=datetime.date(2026, 1, 6), narrative="Dissimulé dans des cartons")
    branded = record(
        officer,
        date=datetime.date(2026, 1, 7),
        commodity="CIGARETTES",
        unit="STICK",
        description="Counterfeit Golden Crest packs",
    )
    assert search(officer, q="мебели") == {russian.reference}
    assert search(officer, q="Dissimulé") == {french.reference}
    assert search(officer, q="golden crest") == {branded.reference}
    assert search(officer, q="golden mebel") == set()  # every word must match
    if connection.vendor == "postgresql":
        # A near-spelling finds the word through trigrams.
        assert search(officer, q="Dissimule") == {french.reference}


def test_free_text_follows_edits(officer, make_case, vocab):
    case = make_case(officer)
    services.case_submit(user=officer, case=case)
    assert search(officer, q="banana") == set()
    edit_to_one_cocaine_line(officer, case, vocab, narrative="Found in banana boxes")
    services.case_submit(user=officer, case=case)
    assert search(officer, q="banana") == {case.reference}


@pytest.mark.parametrize("few_matches", [5000, 0], ids=["ids-first", "row-by-row"])
def test_free_text_gives_the_same_result_by_either_plan(
    officer, record, monkeypatch, few_matches, as_user
):
    """Many matches are checked on each row rather than fetched first: both
    plans must find the same cases, also inside facets and near-spellings."""
    from django.db import connection

    from seizures.search import text

    monkeypatch.setattr(text, "FEW_MATCHES", few_matches)
    french = record(officer, date=datetime.date(2026, 1, 6), narrative="Dissimulé dans des cartons")
    record(officer, date=datetime.date(2026, 1, 7), narrative="Hidden in the spare tyre")
    assert search(officer, q="cartons") == {french.reference}
    assert search(officer, q="dissimulé cartons") == {french.reference}
    assert search(officer, q="cartons tyre") == set()
    if connection.vendor == "postgresql":
        assert search(officer, q="Dissimule") == {french.reference}
    page = as_user(officer).get(reverse("seizures:case-search"), {"q": "cartons"})
    facets = {str(title): values for title, values in page.context["facets"]}
    assert sum(count for _label, count, _query in facets["Commodity"]) == 1


def test_facets_count_each_case_once_per_value(officer, kenyan_officer, record):
    """A case with two commodity types counts once under each; two lines of one
    type count once. The one-pass PostgreSQL query and the per-facet queries
    agree."""
    from seizures.search import facets

    record(
        officer,
        date=datetime.date(2025, 3, 1),
        more_lines=[("CIGARETTES", "100", "STICK"), ("COCAINE", "2", "KG")],
    )
    record(officer, date=datetime.date(2026, 3, 1), more_lines=[("COCAINE", "5", "KG")])
    record(kenyan_officer, date=datetime.date(2026, 4, 1), commodity="IVORY")
    cases = case_search(user=officer, filters={})
    found = facets.case_facets(cases)
    by_label = {name: {label: n for _key, label, n in rows} for name, rows in found.counts.items()}
    assert by_label["commodity_type"] == {"Cocaine": 2, "Cigarettes": 1, "Ivory": 1}
    assert by_label["country"] == {"France": 2, "Kenya": 1}
    assert [(label, n) for _key, label, n in found["year"]] == [("2026", 2), ("2025", 1)]
    assert sum(n for _key, _label, n in found["transport_mode"]) == 3
    assert facets._portable_counts(cases.order_by()) == (
        facets._postgres_counts(cases.order_by())
        if connection.vendor == "postgresql"
        else facets._portable_counts(cases.order_by())
    )


def test_facets_follow_edited_lines(officer, record, vocab):
    case = record(officer, date=datetime.date(2026, 3, 1), more_lines=[("IVORY", "3", "KG")])
    assert case.commodity_types == sorted(
        [vocab.cocaine.pk, CommodityType.objects.get(code="IVORY").pk]
    )
    edit_to_one_cocaine_line(officer, case, vocab)
    case.refresh_from_db()
    assert case.commodity_types == [vocab.cocaine.pk]


def test_facets_of_a_large_result_are_estimated_from_a_sample(
    as_user, officer, record, monkeypatch
):
    """Beyond the count limit the facets come from a sample of the table
    (PostgreSQL), scaled and marked as estimates; elsewhere they stay exact."""
    from django.test.utils import CaptureQueriesContext

    from seizures.search import facets, pagination

    for day in range(1, 7):
        record(officer, date=datetime.date(2026, 1, day))
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    monkeypatch.setattr(facets, "SAMPLE_ROWS", 2)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE seizures_case")
    with CaptureQueriesContext(connection) as queries:
        page = as_user(officer).get(reverse("seizures:case-search"))
    sampled = any("TABLESAMPLE SYSTEM" in query["sql"] for query in queries)
    html = page.content.decode()
    if connection.vendor == "postgresql":
        assert sampled and page.context["facets_estimated"]
        assert 'data-testid="facets-estimated"' in html and "≈" in html
    else:
        assert not sampled and not page.context["facets_estimated"]
        facets_shown = {str(title): values for title, values in page.context["facets"]}
        assert sum(n for _label, n, _query in facets_shown["Year"]) == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="samples are PostgreSQL's")
def test_the_estimates_of_a_large_result_are_reused_for_a_few_minutes(
    as_user, officer, record, monkeypatch
):
    from django.test.utils import CaptureQueriesContext

    from seizures.search import facets, pagination

    for day in range(1, 7):
        record(officer, date=datetime.date(2026, 1, day))
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    monkeypatch.setattr(facets, "SAMPLE_ROWS", 2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE seizures_case")
    client = as_user(officer)
    url = reverse("seizures:case-search")

    def sampled(params) -> tuple[int, list]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, params)
        assert page.context["facets_estimated"]
        return sum("TABLESAMPLE" in query["sql"] for query in queries), page.context["facets"]

    counted, shown = sampled({})
    assert counted == 2  # the sample's size, then its facets
    assert sampled({}) == (0, shown)
    # Another search is another statement: its own sample counts.
    assert sampled({"date_from": "2026-01-02"})[0] == 1


def test_estimates_keep_two_significant_figures():
    from seizures.search.facets import _scaled

    assert _scaled({"year": {2026: 3, 2025: 1234}}, 40) == {"year": {2026: 120, 2025: 49000}}
