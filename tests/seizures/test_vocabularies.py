import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditAction, AuditEvent
from seizures.models import VOCABULARIES, CommodityArea, CommodityType, TransportMode


def test_the_vocabularies_are_loaded_in_six_languages(db):
    for model in VOCABULARIES:
        assert model.objects.exists(), model
        for entry in model.objects.all():
            for language in ("en", "fr", "es", "ru", "ar", "pt"):
                assert getattr(entry, f"label_{language}"), (entry.code, language)
    assert CommodityArea.objects.count() == 8
    assert CommodityType.objects.filter(area__code="DRUGS", code="CAPTAGON").exists()


def test_labels_follow_the_active_language(db):
    cocaine = CommodityType.objects.get(code="COCAINE")
    with translation.override("ru"):
        assert cocaine.label == cocaine.label_ru
    with translation.override("ar"):
        assert str(cocaine) == cocaine.label_ar


def test_everyone_reads_the_vocabularies(as_user, officer):
    page = as_user(officer).get(reverse("seizures:vocabulary-list", args=["commoditytype"]))
    assert page.status_code == 200
    assert "COCAINE" in page.content.decode()


def test_wco_staff_extend_a_vocabulary(as_user, wco_staff):
    data = {
        "code": "hovercraft",
        **{f"label_{lang}": f"Hovercraft {lang}" for lang in ("en", "fr", "es", "ru", "ar", "pt")},
        "order": "200",
        "is_active": "on",
    }
    response = as_user(wco_staff).post(
        reverse("seizures:vocabulary-create", args=["transportmode"]), data
    )
    assert response.status_code == 302
    entry = TransportMode.objects.get(code="HOVERCRAFT")
    assert entry.label_fr == "Hovercraft fr"
    assert AuditEvent.objects.filter(action=AuditAction.VOCABULARY_CHANGED).exists()


def test_codes_are_fixed_once_created(as_user, wco_staff):
    mode = TransportMode.objects.first()
    data = {
        "code": "RENAMED",
        **{f"label_{lang}": "x" for lang in ("en", "fr", "es", "ru", "ar", "pt")},
        "order": "1",
        "is_active": "on",
    }
    as_user(wco_staff).post(
        reverse("seizures:vocabulary-update", args=["transportmode", mode.pk]), data
    )
    mode.refresh_from_db()
    assert mode.code != "RENAMED" and mode.label_en == "x"


@pytest.mark.parametrize("role_fixture", ["officer", "national_admin"])
def test_only_wco_staff_change_vocabularies(as_user, request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    response = as_user(user).post(
        reverse("seizures:vocabulary-create", args=["transportmode"]),
        {"code": "X", "label_en": "X"},
    )
    assert response.status_code == 403
    assert not TransportMode.objects.filter(code="X").exists()


def test_unknown_vocabulary_is_not_found(as_user, officer):
    assert (
        as_user(officer).get(reverse("seizures:vocabulary-list", args=["nope"])).status_code == 404
    )
