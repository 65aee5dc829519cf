import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts.models import Administration, AuditAction, AuditEvent, Role

from ..factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def _current_code(secret_text: str) -> str:
    import time
    from base64 import b32decode

    secret = secret_text.replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_new_officer_enrols_an_authenticator_and_works_in_arabic(page):
    administration = Administration.objects.create(
        name="Moroccan Customs", country="MA", region="MENA"
    )
    user = UserFactory(administration=administration, role=Role.OFFICER, full_name="Youssef")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Set up two-factor login")).to_be_visible()
    expect(page.locator(".qr-code svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Code from the app").fill(_current_code(secret))
    page.get_by_role("button", name="Confirm and continue").click()

    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them, continue").click()

    expect(page.get_by_role("heading", name="Welcome, Youssef")).to_be_visible()
    assert AuditEvent.objects.filter(actor=user, action=AuditAction.OTP_ENROLLED).exists()

    # The switcher submits on change (app.js) and the page turns right-to-left.
    page.locator("#language-select").select_option("ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert page.locator('link[href*="bootstrap.rtl.min.css"]').count() == 1
    user.refresh_from_db()
    assert user.language == "ar"


def test_wrong_password_then_lockout_shows_one_message(page):
    user = UserFactory(
        administration=Administration.objects.create(name="A", country="SN", region="WCA")
    )
    messages = set()
    for _ in range(6):
        page.goto("/accounts/login/")
        page.get_by_label("E-mail address").fill(user.email)
        page.get_by_label("Password").fill("not-the-password-1")
        page.get_by_role("button", name="Continue").click()
        messages.add(page.get_by_role("alert").inner_text())
    assert len(messages) == 1
