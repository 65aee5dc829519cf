import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditAction, AuditEvent, AuditOutcome, BackupCodeDevice
from accounts.services import backup_codes_generate

from ..conftest import totp_code
from ..factories import TEST_PASSWORD, UserFactory

LOGIN = reverse("accounts:login")


def post_password(client, email, password=TEST_PASSWORD):
    return client.post(LOGIN, {"email": email, "password": password})


def test_password_alone_does_not_open_the_application(client, officer):
    response = post_password(client, officer.email)
    assert response.status_code == 302
    assert response.url == reverse("accounts:otp")
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home.url.startswith(reverse("accounts:otp"))


def test_password_then_totp_code_logs_in(client, officer):
    post_password(client, officer.email)
    response = client.post(
        reverse("accounts:otp-verify"), {"token": totp_code(officer.totpdevice_set.get())}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_OTP)
    assert event.actor == officer
    assert event.details == {"factor": "totp"}


def test_wrong_totp_code_is_refused_and_audited(client, officer):
    post_password(client, officer.email)
    response = client.post(reverse("accounts:otp-verify"), {"token": "000000"})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(
        action=AuditAction.LOGIN_OTP_FAILED, outcome=AuditOutcome.FAILURE
    ).exists()


def test_otp_step_is_throttled_after_a_failure(client, officer):
    post_password(client, officer.email)
    client.post(reverse("accounts:otp-verify"), {"token": "000000"})
    # Even the right code is refused while the device is throttled.
    response = client.post(
        reverse("accounts:otp-verify"), {"token": totp_code(officer.totpdevice_set.get())}
    )
    assert "Wait" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_too_many_wrong_codes_end_the_session(client, officer):
    post_password(client, officer.email)
    for _ in range(10):
        response = client.post(reverse("accounts:otp-verify"), {"token": "12345x"})
    assert response.url == LOGIN
    assert client.get(reverse("accounts:otp-verify")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_session_key_rotates_at_login_and_after_second_factor(client, officer):
    client.get(LOGIN)
    post_password(client, officer.email)
    after_password = client.session.session_key
    client.post(reverse("accounts:otp-verify"), {"token": totp_code(officer.totpdevice_set.get())})
    after_otp = client.session.session_key
    assert after_password and after_otp and after_password != after_otp


def test_backup_code_works_once(client, officer):
    codes = backup_codes_generate(user=officer)
    assert len(codes) == 10
    post_password(client, officer.email)
    client.post(reverse("accounts:otp-verify"), {"token": codes[0].upper()})
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_OTP).latest("id").details == {
        "factor": "backup_code"
    }

    client.post(reverse("accounts:logout"))
    post_password(client, officer.email)
    client.post(reverse("accounts:otp-verify"), {"token": codes[0]})
    assert client.get(reverse("home")).status_code == 302


def test_backup_codes_are_stored_hashed(officer):
    codes = backup_codes_generate(user=officer)
    stored = set(
        BackupCodeDevice.objects.get(user=officer).codes.values_list("code_hash", flat=True)
    )
    assert len(stored) == 10
    assert not stored & set(codes)
    assert not stored & {code.replace("-", "") for code in codes}


def test_first_login_forces_enrolment_with_a_qr_code(client, france):
    user = UserFactory(administration=france)
    post_password(client, user.email)
    response = client.get(reverse("accounts:otp"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:otp-setup")
    assert "<svg" in response.content.decode()
    # The application stays closed until enrolment is done.
    assert client.get(reverse("home")).status_code == 302

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    # Reloading the page keeps the same secret.
    client.get(reverse("accounts:otp-setup"))
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post(reverse("accounts:otp-setup"), {"token": totp_code(device)})
    assert response.url == reverse("accounts:backup-codes-new")
    device.refresh_from_db()
    assert device.confirmed

    page = client.get(reverse("accounts:backup-codes-new")).content.decode()
    codes = BackupCodeDevice.objects.get(user=user).codes
    assert codes.count() == 10
    assert page.count("<li>") >= 10
    # Shown once only.
    assert client.get(reverse("accounts:backup-codes-new")).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.OTP_ENROLLED, actor=user).exists()


def test_enrolment_refuses_a_wrong_code(client, france):
    user = UserFactory(administration=france)
    post_password(client, user.email)
    client.get(reverse("accounts:otp-setup"))
    response = client.post(reverse("accounts:otp-setup"), {"token": "123456"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _comparable(response, email):
    page = response.content.decode().replace(email, "EMAIL")
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


def test_unknown_user_and_wrong_password_get_the_same_page(client, officer):
    unknown = post_password(client, "nobody@customs.example.org")
    wrong = post_password(client, officer.email, "not-the-password")
    assert unknown.status_code == wrong.status_code == 200
    assert _comparable(unknown, "nobody@customs.example.org") == _comparable(wrong, officer.email)


def test_fifth_failure_locks_the_account_for_ten_minutes(client, officer):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(4):
            post_password(client, officer.email, "wrong-password-123")
        # Four failures: the right password still works.
        assert post_password(client, officer.email).status_code == 302
        client.post(reverse("accounts:logout"))

        for _ in range(5):
            response = post_password(client, officer.email, "wrong-password-123")
        assert (
            AuditEvent.objects.filter(action=AuditAction.LOGIN_LOCKED, actor=officer).count() == 1
        )

        locked = post_password(client, officer.email)
        assert locked.status_code == 200
        assert locked.context["error"] == response.context["error"]
        assert "_auth_user_id" not in client.session

        traveller.shift(timedelta(minutes=9))
        assert post_password(client, officer.email).status_code == 200

        traveller.shift(timedelta(minutes=1, seconds=1))
        assert post_password(client, officer.email).status_code == 302


def test_locked_account_gets_the_same_message_as_a_wrong_password(client, officer):
    wrong = post_password(client, officer.email, "wrong-password-123")
    for _ in range(5):
        post_password(client, officer.email, "wrong-password-123")
    locked = post_password(client, officer.email)
    assert locked.status_code == wrong.status_code
    assert _comparable(locked, officer.email) == _comparable(wrong, officer.email)


def test_lockout_ignores_the_case_of_the_address(client, officer):
    for _ in range(5):
        post_password(client, officer.email.upper(), "wrong-password-123")
    assert post_password(client, officer.email).status_code == 200


def test_login_failure_is_audited_without_the_password(client, officer):
    post_password(client, officer.email, "wrong-password-123")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.actor == officer
    assert event.outcome == AuditOutcome.FAILURE
    assert "wrong-password-123" not in str(event.details)


def test_disabled_user_cannot_log_in(client, officer):
    officer.is_active = False
    officer.save()
    assert post_password(client, officer.email).status_code == 200


def test_next_url_survives_both_steps(client, officer):
    target = reverse("accounts:profile")
    client.post(f"{LOGIN}?next={target}", {"email": officer.email, "password": TEST_PASSWORD})
    response = client.post(
        reverse("accounts:otp-verify"), {"token": totp_code(officer.totpdevice_set.get())}
    )
    assert response.url == target


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/"])
def test_next_url_never_leaves_the_site(client, officer, target):
    client.post(f"{LOGIN}?next={target}", {"email": officer.email, "password": TEST_PASSWORD})
    response = client.post(
        reverse("accounts:otp-verify"), {"token": totp_code(officer.totpdevice_set.get())}
    )
    assert response.url == reverse("home")


def test_admin_login_page_does_not_bypass_the_second_factor(client, officer):
    response = client.get("/django-admin/login/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_too_many_wrong_enrolment_codes_end_the_session(client, france):
    user = UserFactory(administration=france)
    post_password(client, user.email)
    client.get(reverse("accounts:otp-setup"))
    for _ in range(10):
        response = client.post(reverse("accounts:otp-setup"), {"token": "000000"})
    assert response.url == LOGIN
    assert "_auth_user_id" not in client.session
