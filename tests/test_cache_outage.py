"""With the cache's Redis down, the API and the password reset still answer."""

import logging

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, AuditOutcome
from accounts.services import api_key_create

DEAD_REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = DEAD_REDIS_CACHE


@pytest.fixture
def api(client_factory, national_admin):
    _key, secret = api_key_create(actor=national_admin, name="National seizure system")
    client = client_factory()
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {secret}"
    return client


def test_the_api_answers_unthrottled_with_a_warning_when_the_cache_is_down(api, dead_cache, caplog):
    url = reverse("api:case-detail", args=["CEN-NONE"])
    with caplog.at_level(logging.WARNING, logger="seizures.api.auth"):
        response = api.get(url)
    assert response.status_code == 404
    assert "cache is unreachable" in caplog.text
    assert AuditEvent.objects.filter(action=AuditAction.API_CALL).count() == 1


def test_a_password_reset_with_the_cache_down_answers_and_sends_nothing(
    client, officer, dead_cache, django_capture_on_commit_callbacks, caplog
):
    with (
        caplog.at_level(logging.WARNING, logger="accounts.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("accounts:password-reset"), {"email": officer.email})
    assert response.status_code == 302
    assert mail.outbox == []
    assert "cache is unreachable" in caplog.text
    assert AuditEvent.objects.filter(outcome=AuditOutcome.DENIED).count() == 1
