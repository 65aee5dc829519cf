"""deploy/postgres/roles.sql, as a hardened installation runs it: the migrations
as the owner, the application as a role that owns nothing and may only read
and append to the audit log.

The script runs with psql against a database of its own, with two roles of
its own, all dropped afterwards; the migrations and the application's commands
run as those roles in subprocesses, as docker-compose.yml runs them.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the roles are PostgreSQL's"
)


def _server() -> dict:
    database = settings.DATABASES["default"]
    return {
        "host": database.get("HOST") or "127.0.0.1",
        "port": str(database.get("PORT") or 5432),
        "user": database.get("USER") or "postgres",
    }


def _url(server: dict, role: str, database: str) -> str:
    return f"postgres://{role}:secret@{server['host']}:{server['port']}/{database}"


def _manage(url: str, *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "DATABASE_POOL": "0"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def installation():
    server = _server()
    suffix = uuid.uuid4().hex[:8]
    names = {
        "database": f"cen_roles_{suffix}",
        "owner": f"cen_owner_{suffix}",
        "app": f"cen_app_{suffix}",
    }
    superuser = psycopg.connect(
        host=server["host"], port=server["port"], user=server["user"], dbname="postgres"
    )
    superuser.autocommit = True

    def run_script():
        return subprocess.run(
            [
                "psql",
                "-X",
                "-q",
                "-h",
                server["host"],
                "-p",
                server["port"],
                "-U",
                server["user"],
                "-d",
                "postgres",
                "-v",
                f"database={names['database']}",
                "-v",
                f"owner={names['owner']}",
                "-v",
                "owner_password=secret",
                "-v",
                f"app={names['app']}",
                "-v",
                "app_password=secret",
                "-f",
                str(ROOT / "deploy" / "postgres" / "roles.sql"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    try:
        created = run_script()
        assert created.returncode == 0, created.stderr
        migrated = _manage(_url(server, names["owner"], names["database"]), "migrate", "--no-input")
        assert migrated.returncode == 0, migrated.stderr
        # Run again on the migrated database, as on an upgrade: it must still succeed.
        again = run_script()
        assert again.returncode == 0, again.stderr
        yield {**names, "server": server, "run_script": run_script}
    finally:
        superuser.execute(f'DROP DATABASE IF EXISTS "{names["database"]}" WITH (FORCE)')
        for role in (names["app"], names["owner"]):
            superuser.execute(f'DROP ROLE IF EXISTS "{role}"')
        superuser.close()


def _connect(installation, role: str) -> psycopg.Connection:
    server = installation["server"]
    connection = psycopg.connect(
        host=server["host"],
        port=server["port"],
        user=installation[role],
        password="secret",
        dbname=installation["database"],
    )
    connection.autocommit = True
    return connection


def test_the_application_role_owns_nothing_and_is_not_a_superuser(installation):
    with _connect(installation, "app") as app:
        superuser, create_db, create_role = app.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        owned = app.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
        ).fetchone()[0]
        audit_owner = app.execute(
            "SELECT pg_get_userbyid(relowner) FROM pg_class "
            "WHERE oid = 'accounts_auditevent'::regclass"
        ).fetchone()[0]
    assert (superuser, create_db, create_role) == (False, False, False)
    assert owned == 0
    assert audit_owner == installation["owner"]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditevent SET action = action",
        "DELETE FROM accounts_auditevent",
        "TRUNCATE accounts_auditevent",
        "DROP TRIGGER accounts_auditevent_no_truncate ON accounts_auditevent",
        "ALTER TABLE accounts_auditevent DISABLE TRIGGER ALL",
        "DROP TABLE accounts_auditevent",
        "CREATE TABLE cen_roles_probe (id integer)",
    ],
)
def test_the_application_role_cannot_rewrite_the_audit_log_or_the_schema(installation, sql):
    # Refused by its rights, before any trigger (which raises the same SQLSTATE
    # with "append-only" in its message) is reached.
    with (
        _connect(installation, "app") as app,
        pytest.raises(
            psycopg.errors.InsufficientPrivilege, match=r"^(permission denied|must be owner)"
        ),
    ):
        app.execute(sql)


def test_the_owner_is_still_refused_by_the_audit_triggers(installation):
    with (
        _connect(installation, "owner") as owner,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
    ):
        owner.execute("TRUNCATE accounts_auditevent")


def test_the_application_runs_as_its_role_the_audit_log_takes_new_events(
    installation,
):
    url = _url(installation["server"], installation["app"], installation["database"])
    # seed_demo writes users, cases, validations (audited) and the statistics
    # summaries; rebuild_statistics takes LOCK TABLE … IN EXCLUSIVE MODE.
    seeded = _manage(url, "seed_demo", "--cases", "30", "--photo-ratio", "0")
    assert seeded.returncode == 0, seeded.stderr
    rebuilt = _manage(url, "rebuild_statistics")
    assert rebuilt.returncode == 0, rebuilt.stderr
    audited = _manage(
        url,
        "shell",
        "-c",
        "from accounts.models import AuditAction, User; "
        "from accounts.services import audit_event_create; "
        "audit_event_create(action=AuditAction.LOGOUT, actor=User.objects.first())",
    )
    assert audited.returncode == 0, audited.stderr
    with _connect(installation, "app") as app:
        events = app.execute("SELECT count(*) FROM accounts_auditevent").fetchone()[0]
        cases = app.execute("SELECT count(*) FROM seizures_case").fetchone()[0]
    assert events > 0
    assert cases >= 30


def test_tables_created_by_a_later_migration_are_granted_to_the_application(installation):
    with _connect(installation, "owner") as owner:
        owner.execute("CREATE TABLE cen_roles_later (id serial PRIMARY KEY, note text)")
    with _connect(installation, "app") as app:
        app.execute("INSERT INTO cen_roles_later (note) VALUES ('x')")
        assert app.execute("SELECT count(*) FROM cen_roles_later").fetchone()[0] == 1
