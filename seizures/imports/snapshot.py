"""The validated cases of a checked upload, kept as JSON until it is confirmed.

The import then writes exactly what the preview showed, without validating
every case a second time — unless something the validation depended on has
changed meanwhile (a case with one of the national references was created,
deleted, submitted…, or a vocabulary entry was retired): then ``load`` gives
up and the import validates the whole file again.
"""

import datetime
import gzip
import json
from decimal import Decimal

from django.db import models

from ..models import Case, CommodityLine, OffenderProfile, RouteLeg
from ..validation import CaseData
from .parsing import existing_cases

PARTS = {"fields": Case, "lines": CommodityLine, "legs": RouteLeg, "offenders": OffenderProfile}


class Stale(Exception):
    """The snapshot no longer matches the database."""


def _dump_row(model, row: dict) -> dict:
    out = {}
    for name, value in row.items():
        field = model._meta.get_field(name)
        if field.many_to_many:
            # Nothing chosen is an empty queryset: iterating it would still build a query.
            empty = isinstance(value, models.QuerySet) and value.query.is_empty()
            out[name] = [] if empty else [item.pk for item in value]
        elif field.is_relation:
            out[name] = value.pk if value is not None else None
        elif value is None or isinstance(value, bool | int):
            out[name] = value
        elif isinstance(value, datetime.date):
            out[name] = value.isoformat()
        else:
            out[name] = str(value)
    return out


def dump(groups) -> bytes:
    """``groups``: CaseRows with their validated ``data``."""
    cases = []
    for group in groups:
        data = group.data
        cases.append(
            {
                "reference": group.reference,
                "existing": group.existing.pk if group.existing is not None else None,
                "fields": _dump_row(Case, data.fields),
                "lines": [_dump_row(CommodityLine, row) for row in data.lines],
                "legs": [_dump_row(RouteLeg, row) for row in data.legs],
                "offenders": [_dump_row(OffenderProfile, row) for row in data.offenders],
            }
        )
    return gzip.compress(json.dumps({"version": 1, "cases": cases}).encode())


class _Entries:
    """Active vocabulary entries by primary key, loaded once per model."""

    def __init__(self):
        self._by_model = {}

    def get(self, model, pk):
        if model not in self._by_model:
            queryset = model.objects.all()
            if any(field.name == "is_active" for field in model._meta.fields):
                queryset = queryset.filter(is_active=True)
            self._by_model[model] = queryset.in_bulk()
        entry = self._by_model[model].get(pk)
        if entry is None:
            raise Stale(f"{model.__name__} {pk}")
        return entry


def _load_row(model, row: dict, entries: _Entries) -> dict:
    out = {}
    for name, value in row.items():
        field = model._meta.get_field(name)
        if field.many_to_many:
            value = [entries.get(field.related_model, pk) for pk in value]
        elif field.is_relation:
            value = entries.get(field.related_model, value) if value is not None else None
        elif value is None:
            pass
        elif isinstance(field, models.DateField):
            value = datetime.date.fromisoformat(value)
        elif isinstance(field, models.DecimalField):
            value = Decimal(value)
        out[name] = value
    return out


def load(content: bytes, *, administration, skip_existing: bool) -> list[tuple[CaseData, Case]]:
    """(data, existing case or None) for every case to write. Raises Stale."""
    snapshot = json.loads(gzip.decompress(content))
    if snapshot.get("version") != 1:
        raise Stale("version")
    stored = snapshot["cases"]
    now = existing_cases(
        administration=administration, references=[case["reference"] for case in stored]
    )
    entries = _Entries()
    items = []
    for case in stored:
        current = now.get(case["reference"])
        if (current.pk if current is not None else None) != case["existing"]:
            raise Stale(case["reference"])
        if current is not None and not current.is_editable:
            raise Stale(case["reference"])
        if current is not None and skip_existing:
            continue
        items.append(
            (
                CaseData(
                    fields=_load_row(Case, case["fields"], entries),
                    lines=[_load_row(CommodityLine, row, entries) for row in case["lines"]],
                    legs=[_load_row(RouteLeg, row, entries) for row in case["legs"]],
                    offenders=[
                        _load_row(OffenderProfile, row, entries) for row in case["offenders"]
                    ],
                ),
                current,
            )
        )
    return items
