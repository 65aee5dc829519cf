import datetime

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from seizures import services
from seizures.models import SavedSearch


def test_an_analyst_saves_a_search_and_reopens_it(as_user, analyst, cases):
    client = as_user(analyst)
    client.post(
        reverse("seizures:saved-search-create"),
        {"name": "Ivory to Asia", "query": "route_country=CN&route_role=destination"},
    )
    saved = SavedSearch.objects.get(user=analyst)
    assert not saved.is_watch
    page = client.get(reverse("seizures:saved-search-list")).content.decode()
    assert "Ivory to Asia" in page and "route_country=CN&amp;route_role=destination" in page


def test_saving_under_the_same_name_replaces(analyst):
    services.saved_search_save(user=analyst, name="A", query="q=x", is_watch=False)
    services.saved_search_save(user=analyst, name="A", query="q=y", is_watch=True)
    assert SavedSearch.objects.get(user=analyst).query == "q=y"


def test_saved_searches_are_private(as_user, analyst, kenyan_officer):
    saved = services.saved_search_save(user=kenyan_officer, name="Mine", query="", is_watch=True)
    client = as_user(analyst)
    assert "Mine" not in client.get(reverse("seizures:saved-search-list")).content.decode()
    assert client.post(reverse("seizures:saved-search-delete", args=[saved.pk])).status_code == 404
    assert client.post(reverse("seizures:saved-search-watch", args=[saved.pk])).status_code == 404
    assert SavedSearch.objects.get(pk=saved.pk).is_watch


def test_watch_email_is_sent_once_per_new_match(
    analyst, officer, national_admin, record, django_capture_on_commit_callbacks
):
    analyst.language = "es"
    analyst.save()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        services.saved_search_save(user=analyst, name="Cocaína", query="q=banana", is_watch=True)
        traveller.shift(datetime.timedelta(hours=1))
        case = record(officer, date=datetime.date(2026, 1, 5), narrative="banana boxes")
        record(officer, date=datetime.date(2026, 1, 6), narrative="not a match")
        services.case_validate(user=national_admin, case=case)
        traveller.shift(datetime.timedelta(days=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert services.watch_notices_send() == 1
        assert len(mail.outbox) == 1
        assert case.reference in mail.outbox[0].body
        assert mail.outbox[0].to == [analyst.email]
        assert mail.outbox[0].subject == "Vigilancia CEN «Cocaína»: 1 caso nuevo"
        traveller.shift(datetime.timedelta(days=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert services.watch_notices_send() == 0
        assert len(mail.outbox) == 1


def test_a_search_that_is_not_a_watch_sends_nothing(
    analyst, officer, national_admin, record, django_capture_on_commit_callbacks
):
    services.saved_search_save(user=analyst, name="Quiet", query="", is_watch=False)
    case = record(officer, date=datetime.date(2026, 1, 5))
    services.case_validate(user=national_admin, case=case)
    with django_capture_on_commit_callbacks(execute=True):
        services.watch_notices_send()
    assert mail.outbox == []


def test_the_saved_query_keeps_only_parameters(as_user, analyst):
    client = as_user(analyst)
    response = client.post(
        reverse("seizures:saved-search-create"),
        {"name": "Odd", "query": "q=a b&after=TOKEN&region=EUR"},
    )
    saved = SavedSearch.objects.get(user=analyst)
    assert saved.query == "q=a+b&region=EUR"
    assert response.url == reverse("seizures:case-search") + "?q=a+b&region=EUR"


def test_a_watch_whose_filters_no_longer_validate_sends_nothing(
    analyst, officer, national_admin, record, django_capture_on_commit_callbacks
):
    # An unknown commodity type: the filter is invalid, not absent.
    watch = services.saved_search_save(
        user=analyst, name="Retired", query="commodity_type=999999", is_watch=True
    )
    case = record(officer, date=datetime.date(2026, 1, 5))
    services.case_validate(user=national_admin, case=case)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.watch_notices_send() == 0
    assert mail.outbox == []
    assert SavedSearch.objects.get(pk=watch.pk).watched_since == watch.watched_since
