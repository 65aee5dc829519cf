"""Every URL of the seizures app that names a case or a photo, walked as a user
of another administration: a draft (and its photos) is a 404 to GET and POST,
and nothing changes."""

import pytest
from django.urls import URLPattern, get_resolver, reverse

from accounts.models import Role
from seizures.models import Case

from .conftest import jpeg_bytes


def _object_urls():
    resolver = get_resolver()
    (seizures,) = [p for p in resolver.url_patterns if getattr(p, "namespace", None) == "seizures"]
    for pattern in seizures.url_patterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        if "<reference:reference>" in route or ("<int:pk>" in route and "photos" in route):
            yield pattern.name


OBJECT_URLS = sorted(_object_urls())


def test_the_walk_covers_case_and_photo_urls():
    assert {"case-detail", "case-edit", "case-submit", "photo-image", "photo-delete"} <= set(
        OBJECT_URLS
    )


@pytest.fixture
def draft_with_photo(officer, make_case):
    from seizures import services
    from seizures.photos import photo_sanitise

    from .conftest import upload

    case = make_case(officer)
    photo = services.photo_add(
        user=officer, case=case, clean_image=photo_sanitise(upload(jpeg_bytes())), kind="seizure"
    )
    return case, photo


@pytest.mark.parametrize("url_name", OBJECT_URLS)
@pytest.mark.parametrize("role", [Role.OFFICER, Role.ANALYST, Role.NATIONAL_ADMIN])
def test_another_administrations_draft_is_not_found(
    as_user, make_user, kenya, draft_with_photo, url_name, role
):
    case, photo = draft_with_photo
    kwargs = {"pk": photo.pk} if url_name.startswith("photo") else {"reference": case.reference}
    url = reverse(f"seizures:{url_name}", kwargs=kwargs)
    client = as_user(make_user(kenya, role))
    before = Case.objects.filter(pk=case.pk).values().get()
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, {"reason": "x", "message": "x"}).status_code == 404
    assert Case.objects.filter(pk=case.pk).values().get() == before
    assert case.photos.count() == 1


@pytest.mark.parametrize("url_name", OBJECT_URLS)
def test_wco_staff_do_not_reach_drafts_either(as_user, wco_staff, draft_with_photo, url_name):
    case, photo = draft_with_photo
    kwargs = {"pk": photo.pk} if url_name.startswith("photo") else {"reference": case.reference}
    client = as_user(wco_staff)
    assert (
        client.post(reverse(f"seizures:{url_name}", kwargs=kwargs), {"message": "x"}).status_code
        == 404
    )
