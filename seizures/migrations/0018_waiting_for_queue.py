from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("seizures", "0017_bulk_actions"),
    ]

    operations = [
        migrations.AddField(
            model_name="export",
            name="waiting_for_queue",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="upload",
            name="waiting_for_queue",
            field=models.BooleanField(default=False),
        ),
    ]
