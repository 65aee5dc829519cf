"""The audit log is append-only in the database itself, and the WCO Secretariat exists."""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'accounts_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_append_only();
"""
# On SQLite (development only) the application alone guards the log: a trigger
# there would also refuse `flush`, which SQLite runs as DELETE, not TRUNCATE.


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def remove_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


def create_secretariat(apps, schema_editor):
    Administration = apps.get_model("accounts", "Administration")
    Administration.objects.get_or_create(
        is_secretariat=True, defaults={"name": "WCO Secretariat", "country": "", "region": ""}
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(add_triggers, remove_triggers),
        migrations.RunPython(create_secretariat, migrations.RunPython.noop),
    ]
