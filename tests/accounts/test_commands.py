import pytest
from django.core.management import CommandError, call_command


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
