"""Views of a case and searches are audited, and the case's administration reads
who viewed its case."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, Role
from seizures import services
from seizures.views import cases as case_views
from seizures.views import search as search_views


@pytest.fixture
def french_case(record, officer):
    return record(officer, date=datetime.date(2026, 3, 14), description="bananas")


def _views_of(case):
    return AuditEvent.objects.filter(
        action=AuditAction.CASE_VIEWED, object_type="seizures.case", object_id=str(case.pk)
    )


def _audit_queries(queries):
    return [q["sql"] for q in queries if "accounts_auditevent" in q["sql"]]


def test_a_view_by_another_administration_is_recorded_for_the_cases_administration(
    as_user, french_case, kenyan_officer, france
):
    response = as_user(kenyan_officer).get(french_case.get_absolute_url())
    assert response.status_code == 200
    (event,) = _views_of(french_case)
    assert event.actor == kenyan_officer
    assert event.administration == france
    assert event.details == {"reference": french_case.reference}


def test_each_view_is_recorded_and_costs_one_insert(as_user, french_case, officer, monkeypatch):
    client = as_user(officer)
    client.get(french_case.get_absolute_url())  # warm caches (vocabularies, session)
    with CaptureQueriesContext(connection) as audited:
        client.get(french_case.get_absolute_url())
    monkeypatch.setattr(case_views.services, "case_viewed", lambda **kwargs: None)
    with CaptureQueriesContext(connection) as unaudited:
        client.get(french_case.get_absolute_url())
    assert _views_of(french_case).count() == 2
    assert len(audited) == len(unaudited) + 1
    (sql,) = _audit_queries(audited)
    assert sql.startswith("INSERT")


def test_a_search_is_recorded_with_its_filters_and_the_count_shown(as_user, french_case, officer):
    response = as_user(officer).get(
        reverse("seizures:case-search"), {"q": "bananas", "country": ["FR", "KE"]}
    )
    assert response.context["total"] == 1
    event = AuditEvent.objects.get(action=AuditAction.CASES_SEARCHED)
    assert event.actor == officer
    assert event.administration == officer.administration
    assert event.details == {
        "filters": {"q": ["bananas"], "country": ["FR", "KE"]},
        "results": 1,
        "more_than": False,
    }


def test_a_search_beyond_the_count_limit_is_recorded_as_more_than(
    as_user, record, officer, monkeypatch
):
    from seizures.search import pagination

    for day in (1, 2, 3):
        record(officer, date=datetime.date(2026, 1, day))
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 2)
    as_user(officer).get(reverse("seizures:case-search"))
    event = AuditEvent.objects.get(action=AuditAction.CASES_SEARCHED)
    assert event.details == {"filters": {}, "results": 2, "more_than": True}


def test_recording_a_search_adds_one_insert_and_no_count(
    as_user, french_case, officer, monkeypatch
):
    client = as_user(officer)
    url = reverse("seizures:case-search")
    client.get(url, {"q": "bananas"})
    with CaptureQueriesContext(connection) as audited:
        client.get(url, {"q": "bananas"})
    monkeypatch.setattr(search_views.services, "cases_searched", lambda **kwargs: None)
    with CaptureQueriesContext(connection) as unaudited:
        client.get(url, {"q": "bananas"})
    assert len(audited) == len(unaudited) + 1
    (sql,) = _audit_queries(audited)
    assert sql.startswith("INSERT")


def test_a_later_page_of_results_is_recorded_as_such(as_user, record, officer, monkeypatch):
    from seizures.search import pagination

    for day in (1, 2, 3):
        record(officer, date=datetime.date(2026, 1, day))
    monkeypatch.setattr(search_views, "keyset_page", _small_pages(pagination.keyset_page))
    client = as_user(officer)
    first = client.get(reverse("seizures:case-search"), {"q": ""})
    client.get(f"{reverse('seizures:case-search')}?{first.context['next_query']}")
    later = AuditEvent.objects.filter(action=AuditAction.CASES_SEARCHED).first()
    assert later.details["next_page"] is True
    assert "after" not in later.details["filters"]


def _small_pages(keyset_page):
    def page(queryset, **kwargs):
        return keyset_page(queryset, size=2, **kwargs)

    return page


def test_a_photo_search_is_recorded_with_the_photos_shown(as_user, officer, french_case):
    as_user(officer).get(reverse("seizures:photo-search"), {"q": "bananas", "kind": "xray"})
    event = AuditEvent.objects.get(action=AuditAction.CASES_SEARCHED)
    assert event.details == {"filters": {"q": ["bananas"], "kind": ["xray"]}, "photos": 0}


def test_the_national_admin_sees_who_viewed_the_case_from_any_administration(
    as_user, client_factory, french_case, kenyan_officer, national_admin, kenya
):
    from ..conftest import login_verified

    login_verified(client_factory(), kenyan_officer).get(french_case.get_absolute_url())
    response = as_user(national_admin).get(french_case.get_absolute_url())
    viewers = response.context["viewers"]
    # Newest first: the admin's own view, then the Kenyan officer's.
    assert [view.actor for view in viewers] == [national_admin, kenyan_officer]
    html = response.content.decode()
    assert "Who viewed this case" in html
    assert kenya.name in html
    page = as_user(national_admin).get(
        reverse("seizures:case-viewers", kwargs={"reference": french_case.reference})
    )
    assert page.status_code == 200
    assert kenyan_officer.email in page.content.decode()
    assert kenya.name in page.content.decode()


def test_wco_staff_see_who_viewed_any_case(as_user, wco_staff, french_case, kenyan_officer):
    services.case_viewed(user=kenyan_officer, case=french_case)
    page = as_user(wco_staff).get(
        reverse("seizures:case-viewers", kwargs={"reference": french_case.reference})
    )
    assert kenyan_officer.email in page.content.decode()


@pytest.mark.parametrize(
    ("country", "role"),
    [
        ("FR", Role.OFFICER),
        ("FR", Role.ANALYST),
        ("KE", Role.NATIONAL_ADMIN),
        ("KE", Role.OFFICER),
    ],
)
def test_nobody_else_sees_who_viewed_the_case(
    as_user, make_user, france, kenya, french_case, country, role
):
    user = make_user(france if country == "FR" else kenya, role)
    client = as_user(user)
    response = client.get(french_case.get_absolute_url())
    assert response.status_code == 200
    assert response.context["viewers"] is None
    assert "Who viewed this case" not in response.content.decode()
    viewers_url = reverse("seizures:case-viewers", kwargs={"reference": french_case.reference})
    assert client.get(viewers_url).status_code == 404


def test_the_list_of_views_is_paged_newest_first(as_user, national_admin, french_case, officer):
    for _ in range(51):
        services.case_viewed(user=officer, case=french_case)
    services.case_viewed(user=national_admin, case=french_case)
    url = reverse("seizures:case-viewers", kwargs={"reference": french_case.reference})
    client = as_user(national_admin)
    first = client.get(url)
    assert first.context["page"][0].actor == national_admin
    assert len(first.context["page"]) == 50
    assert len(client.get(url, {"page": 2}).context["page"]) == 2


def test_the_audit_log_filters_the_new_actions(
    as_user, national_admin, french_case, kenyan_officer, officer
):
    services.case_viewed(user=kenyan_officer, case=french_case)
    services.cases_searched(user=officer, filters={"q": ["bananas"]}, results={"results": 1})
    client = as_user(national_admin)
    viewed = client.get(reverse("accounts:audit-list"), {"action": AuditAction.CASE_VIEWED})
    assert [event.actor for event in viewed.context["page"]] == [kenyan_officer]
    assert "Case viewed" in viewed.content.decode()
    searched = client.get(reverse("accounts:audit-list"), {"action": AuditAction.CASES_SEARCHED})
    assert [event.actor for event in searched.context["page"]] == [officer]
    assert "Cases searched" in searched.content.decode()


def test_a_read_through_the_api_is_recorded_as_a_view_of_the_case(
    client_factory, french_case, kenyan_officer, kenya, france
):
    from accounts.services import api_key_create
    from tests.factories import UserFactory

    kenyan_admin = UserFactory(administration=kenya, role=Role.NATIONAL_ADMIN)
    _key, secret = api_key_create(actor=kenyan_admin, name="Kenyan system")
    api = client_factory()
    api.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {secret}"
    response = api.get(reverse("api:case-detail", args=[french_case.reference]))
    assert response.status_code == 200
    (event,) = _views_of(french_case)
    assert event.actor == kenyan_admin
    assert event.administration == france
