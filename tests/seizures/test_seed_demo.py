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


def test_seed_demo_tops_cases_up_once(db, settings):
    from seizures.models import Case

    settings.DEBUG = True
    call_command("seed_demo", "--min-cases", "30", "--seed", "1")
    call_command("seed_demo", "--min-cases", "30", "--seed", "2")
    assert Case.objects.count() == 30
    call_command("seed_demo", "--cases", "5")
    assert Case.objects.count() == 35
    case = Case.objects.first()
    assert case.lines.exists() and case.route_legs.count() >= 2
    assert case.route_legs.first().kind == "departure"


def test_seed_demo_fills_the_statistics_facts(db, settings):
    from django.db import connection

    from seizures.models import CaseFacts

    from .statistics.facts_reference import assert_facts_agree_with_the_cases

    settings.DEBUG = True
    call_command("seed_demo", "--min-cases", "30", "--seed", "3")
    assert_facts_agree_with_the_cases()  # one row per validated case, each right
    assert CaseFacts.objects.exists() == (connection.vendor == "postgresql")


def test_seed_demo_prints_a_second_factor_command_that_works_as_pasted(db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    assert "DEBUG=1 .venv/bin/python manage.py demo_totp <e-mail>" in capsys.readouterr().out
