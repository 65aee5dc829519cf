"""Crawls what each demo role reaches from the navigation, as its users do: the
home page, every menu item, and every link on those pages, in English and then
in Arabic. No page may answer a server error, and no Arabic page may show an
English string from the interface.

An untranslated string is a text the Arabic page shows exactly as the English
page does, with Latin words in it that are not data (a case reference, a
vocabulary code, an administration's or a user's name, a number, a date). What
the data holds is read from the database itself, so that the check needs no
list of the seed's values; the few interface words that are the same in every
language are in ``SAME_IN_EVERY_LANGUAGE``.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from accounts.models import SECRETARIAT_NAME, Role, User

from .conftest import login_verified

# A demo user of each role (the English-speaking ones: the crawl sets the language).
DEMO_USERS = {
    Role.OFFICER: "officer@ke.example.org",
    Role.ANALYST: "analyst@ke.example.org",
    Role.NATIONAL_ADMIN: "admin@ke.example.org",
    Role.WCO_STAFF: "staff@wco.example.org",
}

# Words of the interface that every language writes the same way (reviewed: each is
# a name or an acronym, never a sentence).
SAME_IN_EVERY_LANGUAGE = [
    *("CEN Suite", "CEN", "WCO", "HS", "UN/LOCODE", "UTC"),
    *("API", "Excel", "CSV", "UTF-8"),
]

# Never followed: the links that end the session or leave the application's pages.
NOT_FOLLOWED = {"accounts:logout", "admin:index"}

# What a page shows as it is in every language: code, identifiers, raw data.
MACHINE_TEXT = {"script", "style", "code", "pre", "kbd", "samp"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
SPOKEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
NOT_WORDS = [
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"\b\w*\d\w*\b"),  # numbers, codes and references with digits
]


class _Page(HTMLParser):
    """The visible text of a page (and the attributes read aloud), and its links."""

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = [("", language)]
        self.texts: set[str] = set()
        self.links: list[str] = []

    def _language(self) -> str | None:
        return self.stack[-1][1]

    def _keep(self, text: str) -> None:
        text = " ".join(text.split())
        if text and self._language() == self.stack[0][1]:
            self.texts.add(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        language = attrs.get("lang") or self._language()
        if tag not in VOID:
            self.stack.append((tag, language))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in SPOKEN_ATTRIBUTES:
            if attrs.get(name):
                self._keep(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self._keep(attrs["value"])

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        if not {tag for tag, _ in self.stack} & MACHINE_TEXT:
            self._keep(data)


def _internal(href: str) -> tuple[str, tuple] | None:
    """The path and query of a link within the application, and its shape (the view,
    with parameters or without), or None."""
    href, _ = urldefrag(href)
    parts = urlsplit(href)
    if not href or parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/") or parts.path.startswith(("/static/", "/media/")):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return parts.path, (parts.path,)  # a dead link: the crawl reports its 404
    if match.view_name in NOT_FOLLOWED:
        return None
    shape = (match.view_name, bool(parts.query))
    return parts.path + (f"?{parts.query}" if parts.query else ""), shape


def _get(client: Client, url: str):
    response = client.get(url)
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    return response


def _read(response, language: str) -> _Page | None:
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return None
    page = _Page(language)
    page.feed(response.content.decode())
    page.close()
    return page


def _crawl(client: Client, language: str, depth: int = 2) -> dict[str, set[str]]:
    """The text of every page reachable from home within ``depth`` clicks, one
    page for each view and set of parameters (the other cases' pages, or the
    same search for another country, would only take longer)."""
    pages: dict[str, set[str]] = {}
    seen = {("home",)}
    frontier = [reverse("home")]
    for level in range(depth + 1):
        following = []
        for url in frontier:
            page = _read(_get(client, url), language)
            if page is None:
                continue
            pages[url] = page.texts
            if level < depth:
                for href in page.links:
                    link = _internal(href)
                    if link and link[1] not in seen:
                        seen.add(link[1])
                        following.append(link[0])
        frontier = following
    return pages


def _data_values() -> list[str]:
    """Every text the database holds: what a page shows of them is data. The
    Secretariat's name is not: the interface translates it."""
    values = set()
    for model in apps.get_models():
        if model._meta.app_label not in ("accounts", "seizures"):
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and f.name != "password"
        ]
        for row in model.objects.values_list(*fields) if fields else []:
            values.update(v.strip() for v in row if v and v.strip())
    values.discard(SECRETARIAT_NAME)
    return list(values)


def _without(text: str, value: str) -> str:
    """``text`` with every whole occurrence of ``value`` taken out (the country code
    "CO" is no part of "CODE")."""
    if value not in text:
        return text
    return re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)


def _untranslated(english: set[str], arabic: set[str], data: list[str]) -> set[str]:
    """The texts of an Arabic page that are the English page's, with Latin words
    that are neither data nor written alike in every language."""
    # Longest first, so that neither "CEN" breaks up the reference "CEN-2026-KE-000001"
    # nor the code "8" the name "UTF-8".
    spared = sorted([*data, *SAME_IN_EVERY_LANGUAGE], key=len, reverse=True)
    found = set()
    for text in arabic & english:
        if not LATIN_WORD.search(text):
            continue
        rest = text
        for value in spared:
            rest = _without(rest, value)
        for pattern in NOT_WORDS:
            rest = pattern.sub(" ", rest)
        if LATIN_WORD.search(rest):
            found.add(text)
    return found


def test_the_check_flags_the_interfaces_english_and_spares_data_and_code():
    english = """<h1>Cases</h1><p>Search the cases</p><td>Kenya Revenue Authority</td>
        <td>CEN-2026-KE-000001 · 12.5 kg</td><input placeholder="Reference">
        <code>label_en</code><option lang="fr">Français</option><p>Export to Excel</p>"""
    arabic = """<h1>القضايا</h1><p>Search the cases</p><td>Kenya Revenue Authority</td>
        <td>CEN-2026-KE-000001 · 12.5 kg</td><input placeholder="Reference">
        <code>label_en</code><option lang="fr">Français</option><p>تصدير إلى Excel</p>"""
    pages = {}
    for language, html in [("en", english), ("ar", arabic)]:
        pages[language] = _Page(language)
        pages[language].feed(html)
    data = ["Kenya Revenue Authority", "CEN-2026-KE-000001", "kg"]

    found = _untranslated(pages["en"].texts, pages["ar"].texts, data)

    assert found == {"Search the cases", "Reference"}


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", "--cases", "20", "--photo-ratio", "0", "--seed", "7")
    settings.DEBUG = False


@pytest.mark.parametrize("role", list(DEMO_USERS), ids=[r.value for r in DEMO_USERS])
def test_every_page_a_role_reaches_answers_and_speaks_arabic(demo, role):
    user = User.objects.get(email=DEMO_USERS[role])
    client = login_verified(Client(), user)
    english = _crawl(client, "en")
    assert len(english) > len(client.get(reverse("home")).context["nav_items"])
    user.language = "ar"
    user.save(update_fields=["language"])
    arabic = {url: _read(_get(client, url), "ar").texts for url in english}

    data = _data_values()
    untranslated = {
        url: sorted(found)
        for url, texts in arabic.items()
        if (found := _untranslated(english[url], texts, data))
    }
    assert not untranslated, untranslated
