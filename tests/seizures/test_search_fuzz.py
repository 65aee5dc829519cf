"""Any query string over the search form's fields — empty, odd or hostile
values, repeated keys — gets an answer, never a server error: from the search
page, the statistics page, the trends and an export (run eagerly)."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from seizures.models import Export, ExportStatus
from seizures.search.forms import CaseSearchForm
from seizures.services import cases as case_services

# Bounded for CI: about a minute on PostgreSQL.
settings.register_profile(
    "search-fuzz",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PAGE_PARAMETERS = ["after", "period", "stack", "measure", "map_role", "end", "months"]
HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "' OR 1=1 --",
    "'; DROP TABLE seizures_case; --",
    "%",
    "_",
    "\\",
    ":*",
    "!",
    "&|",
    "(",
    "<script>alert(1)</script>",
    "é漢字🙂",
    "x" * 5000,
    "-1",
    "0",
    "-0.5",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999999999",
    "2026-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "on",
    "true",
]


def _field_values(form: CaseSearchForm) -> dict:
    """Per field, values it accepts (vocabulary ids, choices, dates, numbers)
    or anything at all: a valid search reaches the queries, an invalid one the
    form's messages."""
    anything = st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=30),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.dates().map(str),
    )
    values = {}
    for name, field in form.fields.items():
        if hasattr(field, "queryset"):
            accepted = [str(pk) for pk in field.queryset.values_list("pk", flat=True)[:30]]
        elif getattr(field, "choices", None):
            accepted = [str(key) for key, _label in field.choices if key][:60]
        else:
            accepted = []
        valid = st.sampled_from(accepted) if accepted else st.nothing()
        values[name] = st.one_of(valid, anything, st.sampled_from(["zzzqqq", "banana", "9"]))
    for name in PAGE_PARAMETERS:
        values[name] = anything
    return values


def _queries(form: CaseSearchForm):
    values = _field_values(form)
    pair = st.sampled_from(sorted(values)).flatmap(
        lambda name: st.tuples(st.just(name), values[name])
    )
    return st.lists(pair, min_size=1, max_size=4).map(urlencode)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the fuzz looks for PostgreSQL's errors (free text, facets' raw SQL); CI runs it there",
)
def test_no_query_string_makes_a_server_error(
    as_user, analyst, national_admin, cases, django_capture_on_commit_callbacks
):
    # Validated cases, so that the statistics count something.
    for name in ("fr_cocaine", "fr_cigarettes"):
        case_services.case_validate(user=national_admin, case=cases[name])
    client = as_user(analyst)
    queries = _queries(CaseSearchForm())

    @settings(settings.get_profile("search-fuzz"))
    @given(query=queries)
    @example(query="q=zzzqqq")  # issue 11: the facets of a free text with no match
    @example(query="q=banana&q=zzzqqq&sort=date&period=year")
    def check(query):
        for name in ("seizures:case-search", "seizures:statistics", "seizures:statistics-trends"):
            response = client.get(f"{reverse(name)}?{query}")
            assert response.status_code < 500, (name, query)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("seizures:export-create"),
                {"query": query, "layout": "line", "columns": "summary", "format": "csv"},
            )
        assert response.status_code < 500, ("export", query)
        assert Export.objects.latest("id").status != ExportStatus.FAILED, query

    check()
