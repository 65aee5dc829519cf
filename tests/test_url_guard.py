"""Walks every URL pattern of the project: only the public allowlist is open,
everything else wants the password and then the second factor. A new view that
forgets its guard makes this test fail."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from .factories import TEST_PASSWORD

# The whole public surface of the application, by URL name.
PUBLIC = {
    "health",
    "set_language",
    "accounts:login",
    "accounts:password-reset",
    "accounts:password-reset-confirm",
}
# Reachable with the password but before the second factor.
PASSWORD_STEP = {
    "accounts:otp",
    "accounts:otp-verify",
    "accounts:otp-setup",
    "accounts:logout",
}

# The API answers API keys only: 401 to anyone without one, session or not.
API_KEY_ONLY = {
    "api:case-create",
    "api:case-batch",
    "api:case-detail",
    "api:upload-create",
    "api:upload-detail",
    "api:upload-confirm",
    "api:upload-conventions",
    "api:not-found",
}

_SAMPLES = ["1", "x", "MTA", "set-password", str(uuid.uuid4()), "a/b"]


def _sample_for(regex: str) -> str:
    alternatives = re.fullmatch(r"([\w-]+)(\|[\w-]+)*", regex)
    if alternatives:
        return regex.split("|")[0]
    for sample in _SAMPLES:
        if re.fullmatch(regex, sample):
            return sample
    raise AssertionError(f"No sample value matches the group {regex!r}")


def _concrete(regex: str) -> str:
    """A path that matches ``regex``, with every group filled by a sample."""
    regex = regex.lstrip("^").rstrip("$").replace(r"\Z", "")
    out, i = "", 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            depth, j = 0, i
            while True:
                if regex[j] == "(" and regex[j - 1] != "\\":
                    depth += 1
                elif regex[j] == ")" and regex[j - 1] != "\\":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            group = regex[i : j + 1]
            inner = group[group.index(">") + 1 : -1]
            out += _sample_for(inner)
            i = j + 1
        else:
            out += regex[i].replace("\\", "")
            i += 1
    return out


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(
                pattern.url_patterns, prefix + pattern.pattern.regex.pattern.lstrip("^"), ns
            )
        elif isinstance(pattern, URLPattern):
            regex = prefix + pattern.pattern.regex.pattern.lstrip("^")
            name = f"{namespace}{pattern.name}" if pattern.name else regex
            yield name, "/" + _concrete(regex), pattern.callback


ALL_URLS = sorted(set(_walk(get_resolver().url_patterns)), key=lambda item: item[1])


def test_the_walk_finds_the_application_and_the_admin():
    names = {name for name, _, _ in ALL_URLS}
    assert {"home", "accounts:user-list", "accounts:audit-list", "admin:index"} <= names
    assert names >= PUBLIC and names >= PASSWORD_STEP


@pytest.mark.parametrize(("name", "path", "callback"), ALL_URLS, ids=[u[1] for u in ALL_URLS])
def test_every_url_is_guarded(client, officer, name, path, callback):
    assert resolve(path).func == callback, f"sample path {path} does not reach {name}"

    response = client.get(path)
    if name in API_KEY_ONLY:
        assert response.status_code == 401, f"{path} answered {response.status_code}"
        assert response["WWW-Authenticate"] == "Api-Key"
        from .conftest import login_verified

        assert login_verified(client, officer).get(path).status_code == 401
        return
    if name in PUBLIC:
        # Public pages answer themselves (set_language only to POST).
        assert response.status_code in (200, 405), f"{path} answered {response.status_code}"
        return
    assert response.status_code == 302, f"{path} answered {response.status_code} to anonymous"
    assert response.url.startswith(reverse("accounts:login")), f"{path} → {response.url}"

    client.post(reverse("accounts:login"), {"email": officer.email, "password": TEST_PASSWORD})
    response = client.get(path)
    if name in PASSWORD_STEP:
        assert response.status_code in (200, 302, 405)
        if response.status_code == 302:
            assert response.url.startswith("/accounts/")
        return
    assert response.status_code == 302, (
        f"{path} answered {response.status_code} before the second factor"
    )
    assert response.url.startswith(reverse("accounts:otp")), f"{path} → {response.url}"
