"""The audit log refuses TRUNCATE too, and only its owner keeps the right to rewrite it.

A row trigger never fires for TRUNCATE: a statement trigger does. The REVOKE
takes back UPDATE, DELETE and TRUNCATE from every role but the table's owner,
including what default privileges granted to an application role when the
table was created (deploy/postgres/roles.sql): such a role may only read and
append, and, not being the owner, cannot drop the triggers.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE TRIGGER accounts_auditevent_no_truncate
    BEFORE TRUNCATE ON accounts_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditevent_append_only();
DO $$
DECLARE
    grantee_name text;
BEGIN
    FOR grantee_name IN
        SELECT DISTINCT CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
                             ELSE quote_ident(pg_get_userbyid(acl.grantee)) END
        FROM pg_class AS c, aclexplode(c.relacl) AS acl
        WHERE c.oid = 'accounts_auditevent'::regclass
          AND acl.grantee <> c.relowner
          AND acl.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
    LOOP
        EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON accounts_auditevent FROM ' || grantee_name;
    END LOOP;
END;
$$;
"""
POSTGRES_DOWN = "DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent;"


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def remove_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_api_keys_and_upload_audit")]

    operations = [migrations.RunPython(add_trigger, remove_trigger)]
