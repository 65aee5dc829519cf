import pytest
from django.core.management import CommandError, call_command

from accounts.models import Administration, Region, Role, User


def test_seed_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_covers_every_region_and_role_and_can_run_twice(db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    members = Administration.objects.filter(is_secretariat=False)
    assert members.count() == 12
    assert set(members.values_list("region", flat=True)) == set(Region.values)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    from accounts.demo import all_demo_users

    assert User.objects.count() == len(all_demo_users()) == 18
    assert all(
        members.get(country=c).users.filter(role=Role.OFFICER).exists() for c in ["NL", "SN"]
    )
    assert "Demo-Customs-2026" in capsys.readouterr().out


def test_demo_totp_prints_a_code_that_logs_in(client, db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    capsys.readouterr()
    call_command("demo_totp", "officer@fr.example.org")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()
    client.post(
        "/accounts/login/", {"email": "officer@fr.example.org", "password": "Demo-Customs-2026"}
    )
    response = client.post("/accounts/otp/verify/", {"token": code})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_demo_totp_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_totp", "officer@fr.example.org")
