"""Cases given as JSON (the API): read with the spreadsheet's rules for values
(codes or labels in any language, ISO dates, decimal comma or point), validated
by ``case_validate``, written all or nothing by ``cases_save_many``.

A request is read as a file is: the strings of each number and date column
decide its convention (imports/conventions.py; JSON numbers are numbers and
decide nothing). There is no preview to ask in, so a string that the request
leaves ambiguous ("16,780", "03/01/2019") is an error asking for a JSON number
or a form that reads one way only."""

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
from .conventions import AMBIGUOUS, file_conventions
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


def _value(column: Column, value, vocabularies: Vocabularies, convention: dict | None):
    if column.many and isinstance(value, list):
        value = ";".join(str(item) for item in value)
    return _parse_cell(column, value, vocabularies, convention)


def batch_conventions(items: list) -> dict:
    """The conventions a request's own strings decide, by column key; a column
    they leave ambiguous has none."""
    cases = [item for item in items if isinstance(item, dict)]
    found = file_conventions(CASE_KEYS.values(), cases)
    for name in ("lines", "offenders"):
        rows = [
            row
            for item in cases
            if isinstance(item.get(name), list)
            for row in item[name]
            if isinstance(row, dict)
        ]
        found |= file_conventions(NESTED[name].values(), rows)
    return {key: found[key] for key in found if found[key]["decided"] != AMBIGUOUS}


def _read_fields(
    item: dict, columns: dict, prefix: str, errors: dict, vocabularies, conventions: dict
) -> dict:
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
            out[key] = _value(column, value, vocabularies, conventions.get(key))
        except CellError as error:
            errors[name] = [str(error)]
    for key, column in columns.items():
        if column.default is not None and f"{prefix}{key}" not in errors:
            out.setdefault(key, column.default)
    return out


def payload_from_json(
    item, vocabularies: Vocabularies, conventions: dict | None = None
) -> tuple[dict, dict]:
    """One case as JSON → (the validator's payload, reading errors);
    ``conventions``: those of its request (``batch_conventions``)."""
    conventions = conventions or {}
    errors: dict[str, list] = {}
    if not isinstance(item, dict):
        return {}, {"__all__": [_("A case is a JSON object.")]}
    flat = {key: value for key, value in item.items() if key not in NESTED}
    payload = _read_fields(flat, CASE_KEYS, "", errors, vocabularies, conventions)
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
                _read_fields(row, columns, f"{name}-{index}-", errors, vocabularies, conventions)
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
    conventions = batch_conventions(items)
    for index, item in enumerate(items):
        payload, errors = payload_from_json(item, vocabularies, conventions)
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
