import pytest
from django.core.management import call_command
from django.urls import reverse


def test_security_headers_on_every_page(client, db):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script(client, as_user, wco_staff):
    as_user(wco_staff)
    for url in (reverse("home"), reverse("accounts:user-list"), reverse("accounts:audit-list")):
        page = client.get(url).content.decode()
        assert "<script>" not in page
        assert "<script " not in page.replace('<script src="', "")
        assert "onclick=" not in page and "style=" not in page


def test_session_and_csrf_cookies_are_http_only(client, officer):
    from .factories import TEST_PASSWORD

    client.get(reverse("accounts:login"))
    response = client.post(
        reverse("accounts:login"), {"email": officer.email, "password": TEST_PASSWORD}
    )
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"


def test_production_settings_pass_the_deploy_check(settings, monkeypatch):
    # Set by the browser tests while their browser runs; never in deployment.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.ALLOWED_HOSTS = ["cen.example.org"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    call_command("check", deploy=True, fail_level="WARNING")


def test_the_deploy_check_refuses_console_e_mail(settings, monkeypatch):
    from django.core.management.base import SystemCheckError

    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with pytest.raises(SystemCheckError, match=r"accounts\.E001"):
        call_command("check", deploy=True, fail_level="ERROR")


def test_health_check_is_public_and_checks_the_database(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_forbidden_page_is_logged_as_one_warning_line_without_traceback(as_user, officer, caplog):
    import logging

    from django.urls import reverse

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = as_user(officer).get(reverse("accounts:user-list"))
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1 and records[0].levelno == logging.WARNING
    assert records[0].exc_info is None and "Traceback" not in caplog.text


def test_a_request_for_another_host_is_logged_as_one_line_without_traceback(client, db, caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="django.security"):
        response = client.get("/", HTTP_HOST="scanner.invalid")
    assert response.status_code == 400
    records = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert len(records) == 1
    assert records[0].exc_info is None and "Traceback" not in caplog.text
