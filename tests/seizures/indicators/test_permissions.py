"""Who sees, changes and builds risk indicators: every rule of
seizures/indicators/selectors.py, through the selector and through the pages."""

import pytest
from django.urls import reverse

from accounts.models import Role
from seizures.indicators.selectors import (
    can_build_risk_indicators,
    risk_indicators_editable,
    risk_indicators_visible,
)
from seizures.models import IndicatorSharing, RiskIndicator


@pytest.fixture
def french_analyst(make_user, france):
    return make_user(france, Role.ANALYST)


@pytest.fixture
def kenyan_analyst(make_user, kenya):
    return make_user(kenya, Role.ANALYST)


def test_only_analysts_and_wco_staff_build_indicators(officer, analyst, national_admin, wco_staff):
    assert can_build_risk_indicators(analyst)
    assert can_build_risk_indicators(wco_staff)
    assert not can_build_risk_indicators(officer)
    assert not can_build_risk_indicators(national_admin)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.NATIONAL_ADMIN])
def test_other_roles_do_not_get_the_creation_page(as_user, make_user, france, cocaine_query, role):
    client = as_user(make_user(france, role))
    url = reverse("seizures:risk-indicator-create")
    assert client.get(f"{url}?{cocaine_query}").status_code == 404
    response = client.post(url, {"name": "x", "sharing": "all", "commodity_type": "1"})
    assert response.status_code == 404
    assert not RiskIndicator.objects.exists()


def test_a_private_indicator_is_its_owners_alone(
    make_indicator, analyst, french_analyst, officer, national_admin, kenyan_officer, wco_staff
):
    indicator = make_indicator(analyst)
    assert indicator in risk_indicators_visible(analyst)
    for user in (french_analyst, officer, national_admin, kenyan_officer, wco_staff):
        assert indicator not in risk_indicators_visible(user), user


def test_shared_with_an_administration_is_invisible_to_another(
    make_indicator, analyst, officer, french_analyst, kenyan_officer, kenyan_analyst, wco_staff
):
    indicator = make_indicator(
        analyst, sharing=IndicatorSharing.ADMINISTRATIONS, shared_with=[officer.administration]
    )
    assert indicator in risk_indicators_visible(officer)
    assert indicator in risk_indicators_visible(french_analyst)
    for user in (kenyan_officer, kenyan_analyst, wco_staff):
        assert indicator not in risk_indicators_visible(user), user


def test_shared_with_another_administration_reaches_it_and_not_the_owners_colleagues(
    make_indicator, analyst, kenya, kenyan_officer, officer
):
    indicator = make_indicator(
        analyst, sharing=IndicatorSharing.ADMINISTRATIONS, shared_with=[kenya]
    )
    assert indicator in risk_indicators_visible(kenyan_officer)
    assert indicator in risk_indicators_visible(analyst)  # the owner always
    assert indicator not in risk_indicators_visible(officer)


def test_shared_with_all_members_reaches_everyone_once(
    make_indicator, analyst, kenya, france, officer, kenyan_officer, wco_staff
):
    indicator = make_indicator(analyst, sharing=IndicatorSharing.ALL, shared_with=[france, kenya])
    indicator.refresh_from_db()
    assert not indicator.shared_with.exists()  # chosen administrations only when chosen
    for user in (analyst, officer, kenyan_officer, wco_staff):
        assert list(risk_indicators_visible(user)) == [indicator], user


def test_an_indicator_shared_with_two_administrations_is_listed_once(
    make_indicator, analyst, france, kenya, officer
):
    indicator = make_indicator(
        analyst, sharing=IndicatorSharing.ADMINISTRATIONS, shared_with=[france, kenya]
    )
    assert list(risk_indicators_visible(officer)) == [indicator]
    assert list(risk_indicators_visible(analyst)) == [indicator]


def test_the_owner_and_their_national_admin_edit_nobody_else(
    make_indicator, analyst, french_analyst, national_admin, kenyan_admin, officer, wco_staff
):
    indicator = make_indicator(analyst, sharing=IndicatorSharing.ALL)
    assert indicator in risk_indicators_editable(analyst)
    assert indicator in risk_indicators_editable(national_admin)
    for user in (french_analyst, kenyan_admin, officer, wco_staff):
        assert indicator not in risk_indicators_editable(user), user


def test_a_national_admin_does_not_edit_a_private_indicator_they_cannot_see(
    make_indicator, analyst, national_admin
):
    indicator = make_indicator(analyst)
    assert indicator not in risk_indicators_editable(national_admin)


def _urls(indicator):
    return {
        name: reverse(f"seizures:risk-indicator-{name}", args=[indicator.pk])
        for name in ("detail", "edit", "delete", "excel", "print", "watch")
    }


def test_another_administrations_indicator_is_a_404_everywhere(
    as_user, make_indicator, analyst, france, kenyan_officer
):
    indicator = make_indicator(
        analyst, sharing=IndicatorSharing.ADMINISTRATIONS, shared_with=[france]
    )
    client = as_user(kenyan_officer)
    for name, url in _urls(indicator).items():
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, {"name": "Taken over", "sharing": "all"}).status_code == 404, name
    indicator.refresh_from_db()
    assert indicator.name == "Cocaine" and indicator.sharing == IndicatorSharing.ADMINISTRATIONS
    assert not kenyan_officer.saved_searches.exists()


def test_a_reader_who_is_not_an_editor_cannot_change_or_delete(
    as_user, make_indicator, analyst, officer, cocaine_query
):
    indicator = make_indicator(analyst, sharing=IndicatorSharing.ALL)
    client = as_user(officer)
    urls = _urls(indicator)
    assert client.get(urls["detail"]).status_code == 200
    assert client.get(urls["edit"]).status_code == 404
    data = {"name": "Renamed", "sharing": "private"}
    assert client.post(f"{urls['edit']}?{cocaine_query}", data).status_code == 404
    assert client.post(urls["delete"]).status_code == 404
    indicator.refresh_from_db()
    assert indicator.name == "Cocaine"


def test_the_national_admin_deletes_an_indicator_of_their_administration(
    as_user, make_indicator, analyst, national_admin
):
    indicator = make_indicator(analyst, sharing=IndicatorSharing.ALL)
    client = as_user(national_admin)
    url = reverse("seizures:risk-indicator-delete", args=[indicator.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Delete “Cocaine”?" in page.content.decode()
    assert RiskIndicator.objects.filter(pk=indicator.pk).exists()  # asking deletes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert not RiskIndicator.objects.filter(pk=indicator.pk).exists()


def test_the_list_separates_mine_from_shared_with_me(
    as_user, make_indicator, analyst, french_analyst, france
):
    make_indicator(analyst, name="Mine")
    make_indicator(
        french_analyst,
        name="Colleague's",
        sharing=IndicatorSharing.ADMINISTRATIONS,
        shared_with=[france],
    )
    make_indicator(french_analyst, name="Colleague's private")
    response = as_user(analyst).get(reverse("seizures:risk-indicator-list"))
    assert [i.name for i in response.context["mine"]] == ["Mine"]
    assert [i.name for i in response.context["shared"]] == ["Colleague's"]
