from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent
from accounts.services import user_otp_reset, user_set_active

from ..conftest import login_verified


def test_idle_session_expires(as_user, officer, settings):
    settings.SESSION_IDLE_MINUTES = 30
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = as_user(officer)
        traveller.shift(timedelta(minutes=29))
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert client.get(reverse("home")).status_code == 200  # activity keeps it alive
        traveller.shift(timedelta(minutes=31))
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_EXPIRED, actor=officer).exists()


def test_session_ends_after_twelve_hours_however_active(as_user, officer):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = as_user(officer)
        for _ in range(47):  # a request every 15 minutes for 11¾ hours
            traveller.shift(timedelta(minutes=15))
            assert client.get(reverse("home")).status_code == 200
        traveller.shift(timedelta(minutes=16))
        assert client.get(reverse("home")).status_code == 302


def test_disabling_a_user_ends_their_sessions(as_user, client_factory, officer, national_admin):
    victim = login_verified(client_factory(), officer)
    assert victim.get(reverse("home")).status_code == 200
    user_set_active(actor=national_admin, user=officer, active=False)
    assert victim.get(reverse("home")).status_code == 302


def test_resetting_the_second_factor_ends_the_users_sessions(
    client_factory, officer, national_admin
):
    victim = login_verified(client_factory(), officer)
    user_otp_reset(actor=national_admin, user=officer)
    response = victim.get(reverse("home"))
    assert response.status_code == 302


def test_logout_ends_the_session_and_is_audited(as_user, officer):
    client = as_user(officer)
    response = client.post(reverse("accounts:logout"))
    assert response.url == reverse("accounts:login")
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=officer).exists()


def test_logout_needs_a_post(as_user, officer):
    client = as_user(officer)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


def test_users_of_a_deactivated_administration_are_shut_out(client, client_factory, officer):
    from ..factories import TEST_PASSWORD

    session = login_verified(client_factory(), officer)
    officer.administration.is_active = False
    officer.administration.save()
    assert session.get(reverse("home")).status_code == 302
    response = client.post(
        reverse("accounts:login"), {"email": officer.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_session_user_and_administration_are_read_in_one_query(rf, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.auth import AccountBackend

    with CaptureQueriesContext(connection) as queries:
        user = AccountBackend().get_user(officer.pk)
        assert user.administration.name == officer.administration.name
    assert len(queries) == 1
    assert AccountBackend().get_user(10**9) is None
