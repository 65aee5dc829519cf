"""docker-compose.yml runs the application as the role deploy/postgres/roles.sql
makes for it, and only the migrations as the owner of the tables."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_every_service_of_the_application_connects_as_the_application_role():
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgres://cen_app:"), name


def test_only_the_migrations_connect_as_the_owner_of_the_tables():
    services = _compose()["services"]
    owners = [
        name
        for name, service in services.items()
        if "cen_owner" in str((service.get("environment") or {}).get("DATABASE_URL", ""))
    ]
    assert owners == ["migrate"]


def test_the_database_is_created_with_the_roles_script():
    postgres = _compose()["services"]["postgres"]
    mounts = postgres["volumes"]
    assert "./deploy/postgres/roles.sql:/cen/roles.sql:ro" in mounts
    assert any(
        mount.startswith("./deploy/postgres/init-roles.sh:/docker-entrypoint-initdb.d/")
        for mount in mounts
    )
    script = (ROOT / "deploy" / "postgres" / "init-roles.sh").read_text(encoding="utf-8")
    assert "-f /cen/roles.sql" in script
    assert "owner=cen_owner" in script
    assert "app=cen_app" in script
    assert postgres["environment"]["POSTGRES_USER"] != "cen_app"


def test_postgres_starts_with_memory_for_a_million_cases_set_from_the_environment():
    """The image's 128 MB of shared cache cannot hold the case table of a real
    database; every setting can be changed in .env, and .env.example lists them."""
    postgres = _compose()["services"]["postgres"]
    settings = dict(argument.split("=", 1) for argument in postgres["command"] if "=" in argument)
    assert settings["shared_buffers"] == "${POSTGRES_SHARED_BUFFERS:-2GB}"
    assert set(settings) >= {"shared_buffers", "effective_cache_size", "work_mem"}
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for value in settings.values():
        variable = value.removeprefix("${").split(":-")[0]
        assert f"\n{variable}=" in example, variable
