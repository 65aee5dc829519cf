import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, Role, User
from accounts.services import user_update

from ..factories import TOTPDeviceFactory, UserFactory


@pytest.fixture
def kenyan_officer(make_user, kenya):
    return make_user(kenya, Role.OFFICER)


def test_national_admin_lists_only_their_administrations_users(
    as_user, national_admin, officer, kenyan_officer
):
    page = as_user(national_admin).get(reverse("accounts:user-list")).content.decode()
    assert officer.email in page
    assert kenyan_officer.email not in page


def test_wco_staff_list_every_user(as_user, wco_staff, officer, kenyan_officer):
    page = as_user(wco_staff).get(reverse("accounts:user-list")).content.decode()
    assert officer.email in page and kenyan_officer.email in page


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ANALYST])
def test_officers_and_analysts_cannot_manage_users(as_user, make_user, france, role):
    client = as_user(make_user(france, role))
    assert client.get(reverse("accounts:user-list")).status_code == 403
    assert client.get(reverse("accounts:audit-list")).status_code == 403
    assert client.get(reverse("accounts:administration-list")).status_code == 403


@pytest.mark.parametrize(
    "url_name",
    ["user-detail", "user-update"],
)
def test_other_administrations_users_are_not_found(
    as_user, national_admin, kenyan_officer, url_name
):
    response = as_user(national_admin).get(
        reverse(f"accounts:{url_name}", args=[kenyan_officer.pk])
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url_name",
    [
        "user-disable",
        "user-enable",
        "user-otp-reset",
        "user-password-reset",
        "user-unlock",
        "user-update",
    ],
)
def test_posts_to_other_administrations_users_change_nothing(
    as_user, national_admin, kenyan_officer, url_name, django_capture_on_commit_callbacks
):
    before = User.objects.filter(pk=kenyan_officer.pk).values().get()
    events_before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(national_admin).post(
            reverse(f"accounts:{url_name}", args=[kenyan_officer.pk]),
            {"full_name": "Hacked", "role": Role.NATIONAL_ADMIN, "language": "en"},
        )
    assert response.status_code == 404
    assert User.objects.filter(pk=kenyan_officer.pk).values().get() == before
    assert kenyan_officer.totpdevice_set.exists()
    assert mail.outbox == []
    assert AuditEvent.objects.count() == events_before


def test_national_admin_creates_a_user_who_is_invited_by_e_mail(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(national_admin).post(
            reverse("accounts:user-create"),
            {
                "email": "New.Officer@Douane.example.org",
                "full_name": "Nouvel Officier",
                "role": Role.OFFICER,
                "language": "fr",
                # Ignored: a national admin creates users in their own administration.
                "administration": "999",
            },
        )
    user = User.objects.get(email="new.officer@douane.example.org")
    assert response.url == reverse("accounts:user-detail", args=[user.pk])
    assert user.administration == national_admin.administration
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert AuditEvent.objects.filter(action=AuditAction.USER_CREATED, actor=national_admin).exists()


def test_national_admin_cannot_grant_wco_staff(as_user, national_admin, officer):
    client = as_user(national_admin)
    response = client.post(
        reverse("accounts:user-create"),
        {"email": "x@example.org", "full_name": "X", "role": Role.WCO_STAFF, "language": "en"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="x@example.org").exists()
    response = client.post(
        reverse("accounts:user-update", args=[officer.pk]),
        {"full_name": officer.full_name, "role": Role.WCO_STAFF, "language": "en"},
    )
    officer.refresh_from_db()
    assert officer.role == Role.OFFICER


def test_national_admin_promotes_an_officer_and_the_change_is_audited(
    as_user, national_admin, officer
):
    response = as_user(national_admin).post(
        reverse("accounts:user-update", args=[officer.pk]),
        {"full_name": officer.full_name, "role": Role.ANALYST, "language": "es"},
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.role == Role.ANALYST and officer.language == "es"
    event = AuditEvent.objects.get(action=AuditAction.USER_ROLE_CHANGED)
    assert event.details == {"from": "officer", "to": "analyst"}
    assert event.actor == national_admin


@pytest.mark.parametrize("role", [Role.NATIONAL_ADMIN, Role.WCO_STAFF])
def test_nobody_changes_their_own_role(as_user, make_user, france, secretariat, role):
    user = make_user(secretariat if role == Role.WCO_STAFF else france, role)
    client = as_user(user)
    client.post(
        reverse("accounts:user-update", args=[user.pk]),
        {
            "full_name": "Me",
            "role": Role.OFFICER if role == Role.WCO_STAFF else Role.WCO_STAFF,
            "language": "en",
        },
    )
    user.refresh_from_db()
    assert user.role == role
    with pytest.raises(Exception, match="own role"):
        user_update(actor=user, user=user, full_name="Me", role=Role.OFFICER, language="en")


def test_nobody_moves_a_user_to_another_administration(as_user, wco_staff, officer, kenya):
    as_user(wco_staff).post(
        reverse("accounts:user-update", args=[officer.pk]),
        {
            "full_name": officer.full_name,
            "role": officer.role,
            "language": "en",
            "administration": kenya.pk,
        },
    )
    officer.refresh_from_db()
    assert officer.administration.name == "French Customs"


def test_national_admin_disables_and_re_enables_a_user(as_user, national_admin, officer):
    client = as_user(national_admin)
    client.post(reverse("accounts:user-disable", args=[officer.pk]))
    officer.refresh_from_db()
    assert not officer.is_active
    client.post(reverse("accounts:user-enable", args=[officer.pk]))
    officer.refresh_from_db()
    assert officer.is_active
    actions = set(
        AuditEvent.objects.filter(object_id=str(officer.pk)).values_list("action", flat=True)
    )
    assert {AuditAction.USER_DISABLED, AuditAction.USER_ENABLED} <= actions


def test_national_admin_cannot_disable_themselves(as_user, national_admin):
    response = as_user(national_admin).post(
        reverse("accounts:user-disable", args=[national_admin.pk])
    )
    assert response.status_code == 403
    national_admin.refresh_from_db()
    assert national_admin.is_active


def test_resetting_the_second_factor_forces_a_new_enrolment(as_user, national_admin, officer):
    as_user(national_admin).post(reverse("accounts:user-otp-reset", args=[officer.pk]))
    assert not officer.totpdevice_set.exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.OTP_RESET, object_id=str(officer.pk)
    ).exists()


def test_admin_sends_a_password_reset_in_the_users_language(
    as_user, national_admin, officer, django_capture_on_commit_callbacks
):
    officer.language = "es"
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        as_user(national_admin).post(reverse("accounts:user-password-reset", args=[officer.pk]))
    assert len(mail.outbox) == 1
    assert "/accounts/password-reset/" in mail.outbox[0].body


def test_admin_unlocks_a_locked_user(client, as_user, national_admin, officer):
    for _ in range(5):
        client.post(
            reverse("accounts:login"), {"email": officer.email, "password": "wrong-password-1"}
        )
    admin_client = as_user(national_admin)
    assert (
        "Unlock"
        in admin_client.get(reverse("accounts:user-detail", args=[officer.pk])).content.decode()
    )
    admin_client.post(reverse("accounts:user-unlock", args=[officer.pk]))
    from ..factories import TEST_PASSWORD

    admin_client.post(reverse("accounts:logout"))
    response = client.post(
        reverse("accounts:login"), {"email": officer.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.USER_UNLOCKED).exists()


def test_wco_staff_create_users_in_any_administration(as_user, wco_staff, kenya):
    as_user(wco_staff).post(
        reverse("accounts:user-create"),
        {
            "email": "admin@kra.example.org",
            "full_name": "KRA Admin",
            "role": Role.NATIONAL_ADMIN,
            "language": "en",
            "administration": kenya.pk,
        },
    )
    assert User.objects.get(email="admin@kra.example.org").administration == kenya


def test_wco_staff_role_is_only_for_the_secretariat(as_user, wco_staff, kenya):
    response = as_user(wco_staff).post(
        reverse("accounts:user-create"),
        {
            "email": "wrong@kra.example.org",
            "full_name": "Wrong",
            "role": Role.WCO_STAFF,
            "language": "en",
            "administration": kenya.pk,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="wrong@kra.example.org").exists()


def test_wco_staff_manage_administrations(as_user, wco_staff):
    client = as_user(wco_staff)
    response = client.post(
        reverse("accounts:administration-create"),
        {"name": "Ghana Revenue Authority", "country": "GH", "region": "WCA", "is_active": "on"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.ADMINISTRATION_CREATED)
    assert event.details["country"] == "GH"
    page = client.get(reverse("accounts:administration-list")).content.decode()
    assert "Ghana Revenue Authority" in page


def test_duplicate_e_mail_is_refused_whatever_its_case(as_user, national_admin, officer):
    response = as_user(national_admin).post(
        reverse("accounts:user-create"),
        {
            "email": officer.email.upper(),
            "full_name": "Dup",
            "role": Role.OFFICER,
            "language": "en",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_user_list_filters(as_user, national_admin, officer, france):
    analyst = UserFactory(administration=france, role=Role.ANALYST)
    TOTPDeviceFactory(user=analyst)
    page = (
        as_user(national_admin)
        .get(reverse("accounts:user-list"), {"role": Role.ANALYST})
        .content.decode()
    )
    assert analyst.email in page and officer.email not in page


def test_a_new_administration_gets_its_countrys_wco_region(as_user, wco_staff):
    from accounts.models import Administration

    as_user(wco_staff).post(
        reverse("accounts:administration-create"),
        {"name": "Uzbek Customs", "country": "UZ", "region": "", "is_active": "on"},
    )
    assert Administration.objects.get(country="UZ").region == "EUR"


def test_every_country_has_a_wco_region():
    from django_countries import countries

    from accounts.models import Region
    from accounts.regions import COUNTRY_REGION, region_of

    assert {code for code, _ in countries} <= set(COUNTRY_REGION)
    assert set(COUNTRY_REGION.values()) == set(Region.values)
    assert region_of("fr") == "EUR" and region_of("KE") == "ESA" and region_of("BR") == "AMS"
