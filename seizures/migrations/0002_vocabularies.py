"""The controlled vocabularies, with labels in the six languages.

The data is frozen in vocabularies_v1.json beside this file: later additions
come in later migrations or are made by WCO staff in the product."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).with_name("vocabularies_v1.json")
LANGUAGES = ("en", "fr", "es", "ru", "ar", "pt")
SIMPLE = {
    "transport_modes": "TransportMode",
    "detection_methods": "DetectionMethod",
    "concealment_methods": "ConcealmentMethod",
    "directions": "Direction",
    "location_types": "LocationType",
    "offence_types": "OffenceType",
}


def _labels(entry):
    labels = {f"label_{lang}": entry["labels"][lang] for lang in LANGUAGES}
    labels["label"] = entry["labels"]["en"]
    return labels


def load(apps, schema_editor):
    data = json.loads(DATA.read_text(encoding="utf-8"))

    def upsert(model_name, entry, **extra):
        model = apps.get_model("seizures", model_name)
        obj, _ = model.objects.update_or_create(
            code=entry["code"], defaults={"order": entry["order"], **_labels(entry), **extra}
        )
        return obj

    areas = {e["code"]: upsert("CommodityArea", e) for e in data["commodity_areas"]}
    units = {
        e["code"]: upsert("Unit", e, dimension=e["dimension"], factor=Decimal(e["factor"]))
        for e in data["units"]
    }
    for entry in data["commodity_types"]:
        upsert(
            "CommodityType",
            entry,
            area=areas[entry["area"]],
            default_unit=units[entry["default_unit"]],
        )
    for key, model_name in SIMPLE.items():
        for entry in data[key]:
            upsert(model_name, entry)


class Migration(migrations.Migration):
    dependencies = [("seizures", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
