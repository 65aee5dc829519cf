from django.db import migrations

# PostgreSQL only: room on each page of the summary tables, so that adding a
# validated case to a stored row rewrites it in place (a HOT update) instead
# of adding an entry to both of its indexes. A bulk validation updates hundreds
# of thousands of rows (seizures/statistics/sql.py). Pages written from now on
# keep the room; the rebuild (manage.py rebuild_statistics) rewrites them all.
TABLES = ("seizures_casestatmonth", "seizures_dimensionstatmonth")


def set_fillfactor(percent):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {percent})", params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("seizures", "0023_not_known_and_quantity_not_recorded"),
    ]

    operations = [migrations.RunPython(set_fillfactor(70), set_fillfactor(100))]
