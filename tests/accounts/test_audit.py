import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, Role
from accounts.services import audit_event_create


@pytest.fixture
def event(officer):
    return audit_event_create(action=AuditAction.LOGOUT, actor=officer)


def test_the_application_cannot_update_or_delete_an_event(event):
    event.action = AuditAction.LOGIN_OTP
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.LOGIN_OTP)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditevent SET action = 'login.otp' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_rewrite_an_event(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.action == AuditAction.LOGOUT


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE accounts_auditevent",
        "TRUNCATE accounts_auditevent CASCADE",
        "TRUNCATE accounts_user, accounts_auditevent CASCADE",
    ],
)
def test_the_database_refuses_to_empty_the_log(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test's own inserts left foreign-key checks pending, which TRUNCATE
        # would complain of before the trigger is asked.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_secrets_never_reach_the_details(officer):
    event = audit_event_create(
        action=AuditAction.LOGIN_FAILED,
        actor=officer,
        details={
            "password": "x",
            "otp_token": "1",
            "session_key": "k",
            "backup_code": "c",
            "email": "e",
            "code": "COCAINE",  # a vocabulary code is not a secret
            "changes": {"new_password1": "y", "role": {"from": "a", "to": "b"}},
        },
    )
    assert event.details == {
        "email": "e",
        "code": "COCAINE",
        "changes": {"role": {"from": "a", "to": "b"}},
    }


def test_a_nul_character_in_the_details_is_stored_as_a_replacement_character(officer):
    # A hostile search's filters are audited as typed; jsonb refuses U+0000.
    event = audit_event_create(
        action=AuditAction.CASES_SEARCHED,
        actor=officer,
        details={"filters": {"administration\x00": ["a\x00b"]}, "count": 0},
    )
    event.refresh_from_db()
    assert event.details == {"filters": {"administration\ufffd": ["a\ufffdb"]}, "count": 0}


def test_a_search_with_a_nul_character_in_a_filter_is_answered_and_audited(as_user, officer):
    response = as_user(officer).get(reverse("seizures:case-search"), {"administration": "\x00"})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.CASES_SEARCHED, actor=officer).exists()


def test_national_admin_reads_only_their_administrations_events(
    as_user, national_admin, make_user, kenya, officer
):
    kenyan = make_user(kenya, Role.OFFICER)
    audit_event_create(action=AuditAction.LOGOUT, actor=officer)
    audit_event_create(action=AuditAction.LOGOUT, actor=kenyan)
    page = as_user(national_admin).get(reverse("accounts:audit-list"))
    emails = {event.actor_email for event in page.context["page"]}
    assert officer.email in emails
    assert kenyan.email not in emails


def test_wco_staff_read_every_event_and_filter_them(as_user, wco_staff, make_user, kenya, officer):
    kenyan = make_user(kenya, Role.OFFICER)
    audit_event_create(action=AuditAction.LOGOUT, actor=officer)
    audit_event_create(action=AuditAction.PASSWORD_CHANGED, actor=kenyan)
    client = as_user(wco_staff)
    emails = {e.actor_email for e in client.get(reverse("accounts:audit-list")).context["page"]}
    assert {officer.email, kenyan.email} <= emails
    filtered = client.get(reverse("accounts:audit-list"), {"action": AuditAction.PASSWORD_CHANGED})
    assert [e.actor_email for e in filtered.context["page"]] == [kenyan.email]
    by_country = client.get(reverse("accounts:audit-list"), {"administration": kenya.pk})
    assert {e.actor_email for e in by_country.context["page"]} == {kenyan.email}


def test_events_record_ip_address_and_administration(client, officer):
    client.post(
        reverse("accounts:login"),
        {"email": officer.email, "password": "wrong-password-1"},
        REMOTE_ADDR="203.0.113.9",
    )
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.ip_address == "203.0.113.9"
    assert event.administration == officer.administration
    assert event.object_type == "accounts.user" and event.object_id == str(officer.pk)
