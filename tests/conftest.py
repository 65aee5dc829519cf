import time

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from accounts.models import Administration, Role
from accounts.services import SESSION_AUTH_TIME, SESSION_LAST_SEEN
from cen_suite.celery import app as celery_app

from .factories import AdministrationFactory, TOTPDeviceFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_and_eager(settings):
    cache.clear()
    # A request leaves its language active on the thread (LocaleMiddleware does not
    # reset it): each test starts in the default language, whatever ran before.
    translation.deactivate()
    # PBKDF2's million iterations would make every login test slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # No collectstatic before tests: serve from the source folders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


def totp_code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


@pytest.fixture
def secretariat(db):
    return Administration.objects.get(is_secretariat=True)


@pytest.fixture
def france(db):
    return AdministrationFactory(name="French Customs", country="FR")


@pytest.fixture
def kenya(db):
    return AdministrationFactory(name="Kenya Revenue Authority", country="KE")


@pytest.fixture
def make_user(db):
    def make(administration, role=Role.OFFICER, **kwargs):
        user = UserFactory(administration=administration, role=role, **kwargs)
        TOTPDeviceFactory(user=user)
        return user

    return make


@pytest.fixture
def officer(make_user, france):
    return make_user(france, Role.OFFICER)


@pytest.fixture
def national_admin(make_user, france):
    return make_user(france, Role.NATIONAL_ADMIN)


@pytest.fixture
def wco_staff(make_user, secretariat):
    return make_user(secretariat, Role.WCO_STAFF)


def login_verified(client, user):
    """A session exactly as after password and second factor."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get(confirmed=True).persistent_id
    now = timezone.now().timestamp()
    session[SESSION_AUTH_TIME] = now
    session[SESSION_LAST_SEEN] = now
    session.save()
    return client


@pytest.fixture
def as_user(client):
    def log_in(user):
        return login_verified(client, user)

    return log_in


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_audit_log_trigger():
    """Transactional tests end with a flush, one TRUNCATE of every table, which the
    audit log's trigger refuses. The test database's superuser switches triggers
    off for that statement only (an application role could not)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    flush = DatabaseOperations.sql_flush

    def sql_flush(self, *args, **kwargs):
        statements = flush(self, *args, **kwargs)
        return ["SET LOCAL session_replication_role = replica;", *statements] if statements else []

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """Pooled connections would keep the test database open and stop its removal."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if getattr(connection, "pool", None) is not None:
                connection.close_pool()
