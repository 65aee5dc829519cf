from django.db import migrations

# PostgreSQL only: "has a line of one of these types" answered by the index
# (seizures/search/query.py); SQLite looks at the lines instead.
POSTGRES_UP = (
    "CREATE INDEX IF NOT EXISTS seizures_case_commodity_types ON seizures_case "
    "USING gin (commodity_types jsonb_path_ops)"
)
POSTGRES_DOWN = "DROP INDEX IF EXISTS seizures_case_commodity_types"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("seizures", "0009_case_commodity_types"),
    ]

    operations = [migrations.RunPython(add_index, remove_index)]
