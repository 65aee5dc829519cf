from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditAction, AuditEvent, PasswordExpiryNotice, PasswordHistory
from accounts.services import password_expiry_notices_send, user_set_password
from accounts.validators import ContextWordsValidator

from ..conftest import login_verified
from ..factories import TEST_PASSWORD, AdministrationFactory, UserFactory

NEW_PASSWORD = "a-brand-new-passphrase-42"


def change_password(client, old, new):
    return client.post(
        reverse("accounts:password-change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_password_change_is_audited_and_remembered(as_user, officer):
    client = as_user(officer)
    response = change_password(client, TEST_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED, actor=officer).exists()
    # The session that changed the password stays open.
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass1", "at least 12 characters"),
        ("123456789012345", "entirely numeric"),
        ("password1234", "too common"),
    ],
)
def test_weak_passwords_are_refused(as_user, officer, password, message):
    response = change_password(as_user(officer), TEST_PASSWORD, password)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_password_similar_to_the_email_is_refused(as_user, officer):
    response = change_password(as_user(officer), TEST_PASSWORD, officer.email)
    assert "too similar" in response.content.decode()


def test_the_last_five_passwords_cannot_be_reused(officer):
    passwords = [f"passphrase-number-{n}-xyz" for n in range(5)]
    for password in passwords:
        user_set_password(user=officer, password=password)
    assert PasswordHistory.objects.filter(user=officer).count() == 5
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for password in passwords:
        with pytest.raises(ValidationError, match="reuse"):
            validate_password(password, officer)
    # The sixth-oldest (the factory's) has dropped out of the history.
    validate_password(TEST_PASSWORD, officer)


def test_reuse_is_refused_through_the_form(as_user, officer):
    client = as_user(officer)
    change_password(client, TEST_PASSWORD, NEW_PASSWORD)
    response = change_password(client, NEW_PASSWORD, TEST_PASSWORD)
    assert response.status_code == 200
    assert "reuse" in response.content.decode()


def test_changing_the_password_ends_the_users_other_sessions(client, client_factory, officer):
    other = login_verified(client_factory(), officer)
    mine = login_verified(client, officer)
    change_password(mine, TEST_PASSWORD, NEW_PASSWORD)
    assert mine.get(reverse("home")).status_code == 200
    assert other.get(reverse("home")).status_code == 302


def test_expired_password_must_be_changed_right_after_login(as_user, officer):
    officer.password_changed_at = timezone.now() - timedelta(days=91)
    officer.save()
    client = as_user(officer)
    for url in (reverse("home"), reverse("accounts:profile"), reverse("accounts:user-list")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("accounts:password-change")
    page = client.get(reverse("accounts:password-change"))
    assert "expired" in page.content.decode()
    change_password(client, TEST_PASSWORD, NEW_PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_expiry_can_be_turned_off(as_user, officer, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    officer.password_changed_at = timezone.now() - timedelta(days=900)
    officer.save()
    assert as_user(officer).get(reverse("home")).status_code == 200
    assert password_expiry_notices_send() == 0


def _run_daily(days, django_capture_on_commit_callbacks):
    """Run the beat task once a day for ``days`` days; return {day: notices sent}."""
    sent = {}
    start = timezone.now().replace(hour=6, minute=0, second=0, microsecond=0)
    for day in range(days):
        with time_machine.travel(start + timedelta(days=day), tick=False):
            before = len(mail.outbox)
            with django_capture_on_commit_callbacks(execute=True):
                password_expiry_notices_send()
                password_expiry_notices_send()  # running twice changes nothing
            if len(mail.outbox) > before:
                sent[day] = mail.outbox[before:]
    return sent


def test_expiry_notices_go_out_14_7_and_1_day_before_once_each(
    officer, django_capture_on_commit_callbacks
):
    start = timezone.now().replace(hour=6, minute=0, second=0, microsecond=0)
    officer.password_changed_at = start - timedelta(days=60, hours=1)  # expires on day 30
    officer.save()
    sent = _run_daily(35, django_capture_on_commit_callbacks)
    assert sorted(sent) == [16, 23, 29]
    assert all(len(messages) == 1 for messages in sent.values())
    assert "14 days" in sent[16][0].subject
    assert "7 days" in sent[23][0].subject
    assert "1 day" in sent[29][0].subject
    assert PasswordExpiryNotice.objects.filter(user=officer).count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_EXPIRY_NOTICE).count() == 3


def test_expiry_notice_is_in_the_users_language(officer, django_capture_on_commit_callbacks):
    officer.language = "fr"
    officer.password_changed_at = timezone.now() - timedelta(days=83)
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        password_expiry_notices_send()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [officer.email]
    assert "expire" in mail.outbox[0].subject  # French: "expire dans 7 jours"
    assert "jours" in mail.outbox[0].subject


def test_a_new_password_gets_its_own_notices(officer, django_capture_on_commit_callbacks):
    officer.password_changed_at = timezone.now() - timedelta(days=83)
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        password_expiry_notices_send()
    user_set_password(user=officer, password=NEW_PASSWORD)
    officer.password_changed_at = timezone.now() - timedelta(days=83)
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        password_expiry_notices_send()
    assert len(mail.outbox) == 2


def test_password_reset_by_e_mail(client, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password-reset"), {"email": officer.email.upper()})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    path = link.split("127.0.0.1:8000", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.url == reverse("accounts:login")
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    assert PasswordHistory.objects.filter(user=officer).count() == 2
    # The link works once.
    assert not client.get(path, follow=True).context["validlink"]


def test_password_reset_says_nothing_about_unknown_addresses(
    db, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password-reset"), {"email": "ghost@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_e_mails_are_limited_per_address(
    client, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            client.post(reverse("accounts:password-reset"), {"email": officer.email})
    assert len(mail.outbox) == 3


def test_e_mails_are_plain_text_without_html_escaping(officer, django_capture_on_commit_callbacks):
    officer.full_name = "Anne O'Brien & Co"
    officer.password_changed_at = timezone.now() - timedelta(days=83)
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        password_expiry_notices_send()
    assert "Anne O'Brien & Co" in mail.outbox[0].body


def _refusal_codes(password, user=None) -> set[str]:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user)
    except ValidationError as error:
        return {item.code for item in error.error_list}
    return set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("aaaaaaaaaaaa", "password_repetitive"),
        ("abcabcabcabc", "password_repetitive"),
        ("customscustoms", "password_guessable"),
        ("WCO-CEN-customs-2026", "password_guessable"),
        ("Cust0ms-CEN-2026-wco", "password_guessable"),
    ],
)
def test_repetitive_or_guessable_passwords_are_refused(officer, password, code):
    assert code in _refusal_codes(password, officer)


@pytest.mark.parametrize(
    "password",
    [
        "French Customs",
        "FRENCH-CUSTOMS-2026",
        "France-France-2026",
        "fr-customs-2026-FR!",
        "Francia_Aduanas_2026",
        "La-Douane-France-2026",
        "FRANÇA-alfândega-2026",
    ],
)
def test_the_users_administration_name_and_country_are_guessable(officer, password):
    assert officer.administration.name == "French Customs"
    assert _refusal_codes(password, officer) == {"password_guessable"}


def test_the_administration_words_count_for_its_own_users_only(make_user, kenya, officer):
    kenyan = make_user(kenya)
    assert _refusal_codes("Kenya Revenue Authority", kenyan) == {"password_guessable"}
    assert _refusal_codes("Kenya Revenue Authority", officer) == set()


@pytest.mark.parametrize(
    "password",
    [TEST_PASSWORD, NEW_PASSWORD, "Demo-Customs-2026", "lighthouse keeper of Mombasa"],
)
def test_passphrases_with_words_of_their_own_still_pass(france, password):
    assert _refusal_codes(password, UserFactory.build(administration=france)) == set()


def test_the_demo_password_passes_for_every_demo_user(db, settings):
    from accounts.demo import DEMO_PASSWORD
    from accounts.models import User

    settings.DEBUG = True
    call_command("seed_demo", cases=0)
    users = list(User.objects.filter(email__endswith=".example.org"))
    assert users
    # As when a demo user chooses it again: the history refusal aside, nothing objects.
    assert all(_refusal_codes(DEMO_PASSWORD, user) == {"password_reused"} for user in users)


def test_a_guessable_password_is_refused_in_the_users_language(as_user, officer):
    officer.language = "fr"
    officer.save(update_fields=["language"])
    response = change_password(as_user(officer), TEST_PASSWORD, "WCO-CEN-customs-2026")
    assert response.status_code == 200
    with translation.override("fr"):
        expected = ContextWordsValidator().get_error_message()
    assert expected in response.context["form"].errors["new_password2"]
    officer.refresh_from_db()
    assert officer.check_password(TEST_PASSWORD)


def test_a_country_code_counts_only_as_a_word_of_its_own(make_user):
    macao = make_user(AdministrationFactory(name="Macao Customs Service", country="MO"))
    assert _refusal_codes("Demo-Customs-2026", macao) == set()
    assert _refusal_codes("mo-MO-customs-2026", macao) == {"password_guessable"}
