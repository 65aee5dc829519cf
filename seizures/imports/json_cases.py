"""Cases given as JSON (the API): read with the spreadsheet's rules for values
(codes or labels in any language, ISO dates, decimal comma or point), validated
by ``case_validate``, written all or nothing by ``cases_save_many``."""

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import ApiKey, User

from ..forms import validation_batch
from ..models import Case, CaseSource, LegKind, UploadExisting
from ..services.cases import cases_save_many
from ..validation import case_validate
from .columns import CASE_COLUMNS, LINE_COLUMNS, OFFENDER_COLUMNS, CellError, Column, Vocabularies
from .columns import parse_cell as _parse_cell
from .parsing import existing_cases

CASE_KEYS = {
    column.key: column
    for column in CASE_COLUMNS
    if column.key not in ("departure", "transit", "destination")
}
LINE_KEYS = {column.key: column for column in LINE_COLUMNS}
OFFENDER_KEYS = {
    column.key: column for column in OFFENDER_COLUMNS if column.key != "national_reference"
}
ROUTE_KEYS = {
    "kind": Column("kind", _("Leg"), "route", kind="choice", choices=LegKind, required=True),
    "country": Column("country", _("Country"), "route", kind="country", required=True),
    "place": Column("place", _("Place"), "route"),
}
NESTED = {"lines": LINE_KEYS, "route": ROUTE_KEYS, "offenders": OFFENDER_KEYS}


@dataclass
class BatchResult:
    created: list[Case] = field(default_factory=list)
    updated: list[Case] = field(default_factory=list)
    skipped: list[Case] = field(default_factory=list)
    # [{"index", "national_reference", "errors": {field: [messages]}}]
    errors: list[dict] = field(default_factory=list)


def _value(column: Column, value, vocabularies: Vocabularies):
    if column.many and isinstance(value, list):
        value = ";".join(str(item) for item in value)
    return _parse_cell(column, value, vocabularies)


def _read_fields(item: dict, columns: dict, prefix: str, errors: dict, vocabularies) -> dict:
    out = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        column = columns.get(key)
        if column is None:
            errors[name] = [_("Unknown field.")]
            continue
        if value is None or value == "" or value == []:
            continue
        try:
            out[key] = _value(column, value, vocabularies)
        except CellError as error:
            errors[name] = [str(error)]
    for key, column in columns.items():
        if column.default is not None and f"{prefix}{key}" not in errors:
            out.setdefault(key, column.default)
    return out


def payload_from_json(item, vocabularies: Vocabularies) -> tuple[dict, dict]:
    """One case as JSON → (the validator's payload, reading errors)."""
    errors: dict[str, list] = {}
    if not isinstance(item, dict):
        return {}, {"__all__": [_("A case is a JSON object.")]}
    flat = {key: value for key, value in item.items() if key not in NESTED}
    payload = _read_fields(flat, CASE_KEYS, "", errors, vocabularies)
    for name, columns in NESTED.items():
        rows = item.get(name) or []
        if not isinstance(rows, list):
            errors[name] = [_("A list is expected.")]
            continue
        payload[name] = []
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                errors[f"{name}-{index}"] = [_("A JSON object is expected.")]
                continue
            payload[name].append(
                _read_fields(row, columns, f"{name}-{index}-", errors, vocabularies)
            )
    return payload, errors


def case_batch_save(
    *,
    user: User,
    items: list,
    existing: str = UploadExisting.UPDATE,
    api_key: ApiKey | None = None,
    request: HttpRequest | None = None,
) -> BatchResult:
    """Create or update every case of ``items`` (identified by their national
    reference), or none: if one is invalid, nothing is written and ``errors``
    names each bad case by its index and national reference."""
    result = BatchResult()
    vocabularies = Vocabularies()
    administration = user.administration
    read = []
    seen = {}
    for index, item in enumerate(items):
        payload, errors = payload_from_json(item, vocabularies)
        reference = str(payload.get("national_reference") or "").strip()
        if "national_reference" in errors:
            pass  # unreadable: its reading error says why
        elif not reference:
            errors["national_reference"] = [
                _("Give the national reference: it identifies the case when it is sent again.")
            ]
        elif reference in seen:
            errors["national_reference"] = [
                _("The batch has this national reference twice (cases %(first)s and %(second)s).")
                % {"first": seen[reference], "second": index}
            ]
        seen.setdefault(reference, index)
        read.append((index, reference, payload, errors))

    references = [r for _i, r, _p, _e in read if r]
    known = existing_cases(administration=administration, references=references)
    to_write = []
    with validation_batch(administration=administration, references=references, known=known):
        for index, reference, payload, errors in read:
            case = known.get(reference)
            if case is not None and existing == UploadExisting.SKIP:
                result.skipped.append(case)
                continue
            if case is not None and not case.is_editable:
                errors.setdefault("__all__", []).append(
                    _(
                        "Case %(reference)s is submitted or validated: it can no longer be "
                        "changed this way."
                    )
                    % {"reference": case.reference}
                )
            if not errors:
                data, errors = case_validate(
                    payload=payload, administration=administration, instance=case
                )
            if errors:
                result.errors.append(
                    {
                        "index": index,
                        "national_reference": reference,
                        "errors": {
                            key: [str(m) for m in messages] for key, messages in errors.items()
                        },
                    }
                )
            else:
                to_write.append((data, case))
    if result.errors:
        return result
    details = {"api_key": api_key.prefix} if api_key is not None else {}
    result.created, result.updated = cases_save_many(
        user=user,
        items=to_write,
        source=CaseSource.API if api_key is not None else CaseSource.UPLOAD,
        request=request,
        details=details,
    )
    return result
