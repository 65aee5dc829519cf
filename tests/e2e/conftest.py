"""Browser journeys: Playwright driving Debian's Chromium against live_server."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"


def _reload_migration_data():
    """Live-server tests end with a flush, which also empties what the data
    migrations loaded (vocabularies, the WCO Secretariat): load it again."""
    import importlib

    from django.apps import apps

    from seizures.models import CommodityType

    if not CommodityType.objects.exists():
        importlib.import_module("seizures.migrations.0002_vocabularies").load(apps, None)
        importlib.import_module(
            "accounts.migrations.0002_audit_append_only_and_secretariat"
        ).create_secretariat(apps, None)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls that
    # tests and fixtures make between browser steps are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, live_server, transactional_db):
    _reload_migration_data()
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
