"""A file's own columns and values, read as the template's, and the profiles
that remember them for an administration.

Where the data comes from: reading.py raises NeedsMapping with the header row
and the first rows of a Cases sheet whose headers are not the template's; the
check (service.py) then applies the administration's profile for those headers
if it has one, else stores the headers, a few sample values and the suggested
template columns in ``Upload.mapping`` and ends in "needs a mapping". The
uploader's choices (UploadMappingForm) come back to ``upload_mapping_set``,
which stores them on the upload, saves them as a named ``MappingProfile`` if
asked, and checks the file again.

Where it goes next: reading.py reads the rows through a ColumnMap, which only
renames the columns, cuts a "City, Country" cell or a list, and rewrites a
vocabulary value to its code (a dict lookup per cell); every cell then goes to
columns.parse_cell and the case validator like a cell of the template. While
reading, the ColumnMap counts the distinct values of the vocabulary columns:
those that match no entry become the value questions of the next page.
"""

import difflib
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from accounts.models import AuditAction, User
from accounts.services import audit_event_create

from ..models import MappingProfile, Upload, UploadStatus
from ..validators import has_null_character, null_character_message

# service.py imports this module too; each uses the other only inside functions.
from . import service
from .columns import (
    CASE_SHEET_COLUMNS,
    MULTI_SEPARATOR,
    OFFENDER_COLUMNS,
    Column,
    Vocabularies,
    _choice_lookup,
    _country_lookup,
    in_every_language,
    normalise,
)
from .conventions import USER
from .reading import NeedsMapping

COLUMNS_BY_KEY = {column.key: column for column in CASE_SHEET_COLUMNS}
OFFENDER_COLUMNS_BY_KEY = {column.key: column for column in OFFENDER_COLUMNS}
# The columns of each sheet a file's own columns may be mapped to.
SHEET_COLUMNS = {"cases": CASE_SHEET_COLUMNS, "offenders": OFFENDER_COLUMNS}
# Columns whose values are looked up in a list, and so may be mapped value by value.
MAPPED_KINDS = ("vocabulary", "country", "choice")

SPLIT_WHOLE, SPLIT_LAST, SPLIT_FIRST, SPLIT_LIST = "", "last", "first", "list"
SPLITS = [
    (SPLIT_WHOLE, gettext_lazy("the whole cell")),
    (SPLIT_LAST, gettext_lazy("the last part after a comma (“Quito, Ecuador” → Ecuador)")),
    (SPLIT_FIRST, gettext_lazy("the first part before a comma (“Quito, Ecuador” → Quito)")),
    (SPLIT_LIST, gettext_lazy("a list separated by semicolons or commas")),
]
_LIST_SEPARATORS = re.compile(r"[;,]")

SAMPLE_VALUES = 3
# Distinct values asked about per column; more are left to the row errors (a
# free-text column mapped to a vocabulary by mistake).
MAX_QUESTIONS = 200
COLUMN_CUTOFF = 0.65
VALUE_CUTOFF = 0.65


class MappingInvalid(Exception):
    """A column map that cannot be used; ``messages`` say why."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def headers_signature(headers: list[str]) -> str:
    """The same for two files whose headers differ only by case, accents or spaces."""
    return hashlib.sha256("\x1f".join(normalise(text) for text in headers).encode()).hexdigest()


# --- Reading the rows through a mapping ------------------------------------------------


def column_targets(choice: dict) -> list[tuple[str, str]]:
    """The template columns one column of the file gives, as (key, split): its
    own choice, then the ones in "also" (a "City, Country" cell gives the place
    from its first part and the country from its last). A stored choice without
    "also" (every profile saved before it existed) gives one at most."""
    found = [(choice.get("key") or "", choice.get("split") or SPLIT_WHOLE)]
    for more in choice.get("also") or ():
        if isinstance(more, dict):
            found.append((more.get("key") or "", more.get("split") or SPLIT_WHOLE))
    return [(key, split) for key, split in found if key]


def mapped_keys(columns: list[dict]) -> dict[str, int]:
    """{template column key: position of the file's column that gives it}."""
    return {
        key: index for index, choice in enumerate(columns) for key, _split in column_targets(choice)
    }


@dataclass
class ColumnMap:
    """Which column of the file is which template column, and what its values mean."""

    signature: str
    # (position of the file's column, template column, split), one per template
    # column read: one column of the file may give two.
    targets: list[tuple[int, Column, str]]
    # {template column key: {normalised file value: code, or None to leave it as it is}}
    values: dict[str, dict]
    # Filled while the rows are read: the file's values of each mapped-kind column.
    distinct: dict[str, Counter] = field(default_factory=dict)
    # The file has the template's own headers (``headers``): only its values are mapped.
    template: bool = False
    headers: list[str] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, mapping: dict, sheet: str = "cases") -> "ColumnMap":
        """The upload's (or a profile's) mapping; without a column map of its own it
        still carries the answers about values, for a file with the template's
        headers. ``sheet="offenders"``: the map of the Offenders sheet, kept in the
        mapping's "offenders" (its columns only; its values read as the template's)."""
        if sheet == "offenders":
            mapping = {**(mapping.get("offenders") or {}), "values": {}}
        by_key = {column.key: column for column in SHEET_COLUMNS[sheet]}
        targets = []
        for index, choice in enumerate(mapping.get("columns") or []):
            for key, split in column_targets(choice):
                column = by_key.get(key)
                if column is not None:
                    targets.append((index, column, split))
        return cls(mapping.get("signature", ""), targets, mapping.get("values") or {})

    def fits(self, headers: list[str]) -> bool:
        return bool(self.targets) and headers_signature(headers) == self.signature

    def by_position(self) -> list[tuple[int, Column]]:
        return [(index, column) for index, column, _split in self.targets]

    def for_template(self, found: list[tuple[int, Column]], headers: list[str]) -> "ColumnMap":
        """The map of a file with the template's headers ``found``: each column read
        as it is, its values through the answers given."""
        targets = [(index, column, SPLIT_WHOLE) for index, column in found]
        signature = headers_signature(headers)
        return ColumnMap(signature, targets, self.values, template=True, headers=headers)

    def reader(self):
        """row values → {template column key: value}, for reading._rows."""
        plan = [
            (index, column.key, self._cell_reader(column, split))
            for index, column, split in self.targets
        ]

        def read(values) -> dict:
            row = {}
            size = len(values)
            for index, key, convert in plan:
                if index >= size:
                    continue
                value = values[index]
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                value = convert(value) if convert is not None else value
                if value != "":
                    row[key] = value
            return row

        return read

    def _cell_reader(self, column: Column, split: str):
        translate = self._translator(column) if column.kind in MAPPED_KINDS else None
        if column.many or split == SPLIT_LIST:

            def read_list(value):
                text = str(value)
                parts = (_LIST_SEPARATORS if split == SPLIT_LIST else _MULTI).split(text)
                items = [part.strip() for part in parts if part.strip()]
                if translate is not None:
                    items = [translate(item) for item in items]
                return f"{MULTI_SEPARATOR} ".join(items)

            return read_list
        if split in (SPLIT_LAST, SPLIT_FIRST):

            def read_part(value):
                text = str(value)
                part = text.rsplit(",", 1)[-1] if split == SPLIT_LAST else text.split(",", 1)[0]
                part = part.strip()
                return translate(part) if translate is not None and part else part

            return read_part
        if translate is not None:
            return lambda value: translate(str(value).strip())
        return None

    def _translator(self, column: Column):
        answers = self.values.get(column.key) or {}
        counts = self.distinct.setdefault(column.key, Counter())
        memo: dict[str, str] = {}

        def translate(text: str) -> str:
            counts[text] += 1
            found = memo.get(text)
            if found is None:
                found = memo[text] = answers.get(normalise(text)) or text
            return found

        return translate


_MULTI = re.compile(re.escape(MULTI_SEPARATOR))


# --- Suggestions ----------------------------------------------------------------------


def _tokens(text: str) -> set[str]:
    return {token for token in re.split(r"[^\w]+", text) if len(token) >= 3}


def _score(wanted: str, candidate: str) -> float:
    """How alike two normalised texts are: spelling (difflib), or shared words."""
    if wanted == candidate:
        return 1.0
    spelling = difflib.SequenceMatcher(None, wanted, candidate).ratio()
    squeezed = difflib.SequenceMatcher(
        None, wanted.replace(" ", ""), candidate.replace(" ", "")
    ).ratio()
    words, their_words = _tokens(wanted), _tokens(candidate)
    common = len(words & their_words)
    shared = (0.5 * common / len(words) + 0.5 * common / len(their_words)) if common else 0.0
    return max(spelling, squeezed, shared)


@cache
def _column_texts(sheet: str = "cases") -> list[tuple[Column, frozenset[str]]]:
    texts = []
    for column in SHEET_COLUMNS[sheet]:
        names = {normalise(column.key), normalise(column.key.replace("_", " "))}
        texts.append((column, frozenset(names | in_every_language(column.label))))
    return texts


def suggest_columns(headers: list[str], sheet: str = "cases") -> list[str]:
    """The likeliest template column key for each header ("" for none), each key
    given to one header at most: the best-scoring pairs first."""
    pairs = []
    for index, header in enumerate(headers):
        wanted = normalise(header)
        if not wanted:
            continue
        for order, (column, texts) in enumerate(_column_texts(sheet)):
            score = max(_score(wanted, text) for text in texts)
            if score >= COLUMN_CUTOFF:
                pairs.append((-score, order, index, column.key))
    suggested, taken = [""] * len(headers), set()
    for *_rank, index, key in sorted(pairs):
        if suggested[index] or key in taken:
            continue
        suggested[index] = key
        taken.add(key)
    return suggested


def _entry_texts(text: str) -> set[str]:
    """A label and its parts: "gramo (g)" → "gramo (g)", "gramo", "g"; "a / b" → "a", "b"."""
    text = normalise(text)
    found = {text}
    inside = re.findall(r"\(([^)]*)\)", text)
    outside = re.sub(r"\([^)]*\)", " ", text)
    for part in [outside, *inside, *outside.split("/")]:
        part = " ".join(part.split())
        if part:
            found.add(part)
    return found


def value_candidates(column: Column, vocabularies: Vocabularies) -> dict[str, str]:
    """Normalised text → code, for every entry a value of ``column`` may be."""
    if column.kind == "country":
        return _country_lookup()
    if column.kind == "choice":
        return _choice_lookup(column.choices)
    vocabularies.lookup(column.vocabulary)
    candidates = {}
    for entry in vocabularies.by_pk[column.vocabulary].values():
        candidates.setdefault(normalise(entry.code), entry.code)
        for code, _name in settings.LANGUAGES:
            for text in _entry_texts(getattr(entry, f"label_{code}", "") or ""):
                candidates.setdefault(text, entry.code)
    return candidates


def value_resolves(column: Column, text: str, vocabularies: Vocabularies) -> bool:
    """Whether the template would read ``text`` as it is (a code or a label of ours)."""
    wanted = normalise(text)
    if column.kind == "country":
        return wanted in _country_lookup()
    if column.kind == "choice":
        return wanted in _choice_lookup(column.choices)
    return wanted in vocabularies.lookup(column.vocabulary)


def suggest_value(text: str, candidates: dict[str, str]) -> str:
    """The code of the likeliest entry for a file's value, "" for none."""
    wanted = normalise(text)
    best, best_score = "", VALUE_CUTOFF
    for candidate, code in candidates.items():
        score = _score(wanted, candidate)
        if score > best_score:
            best, best_score = code, score
    return best


def value_choices(column: Column) -> list[tuple[str, str]]:
    """The entries a value of ``column`` may be mapped to, in the user's language."""
    if column.kind == "country":
        return [(code, name) for code, name in countries]
    if column.kind == "choice":
        return [(value, str(label)) for value, label in column.choices.choices]
    entries = column.vocabulary.objects.filter(is_active=True).order_by("order", "code")
    return [(entry.code, str(entry)) for entry in entries]


def learned_answers(*, administration_id: int) -> dict[str, dict]:
    """Every answer in the administration's profiles, the newest first: what it
    once said "MARIHUANA" is, it is suggested again for a file with other headers."""
    learned: dict[str, dict] = {}
    profiles = MappingProfile.objects.filter(administration_id=administration_id)
    for values in profiles.order_by("-updated_at").values_list("values", flat=True):
        for key, answers in values.items():
            for text, code in answers.items():
                if code:
                    learned.setdefault(key, {}).setdefault(text, code)
    return learned


def value_questions(
    column_map: ColumnMap, vocabularies: Vocabularies, learned: dict | None = None
) -> dict[str, list[dict]]:
    """The file's values that match no entry and have no answer yet, most frequent
    first, each with a suggested entry (an answer ``learned`` before, else the
    likeliest entry): {key: [{"value", "count", "suggested"}]}."""
    learned = learned or {}
    questions = {}
    for key, counts in column_map.distinct.items():
        column = COLUMNS_BY_KEY[key]
        answered = column_map.values.get(key) or {}
        asked: dict[str, dict] = {}
        for text, count in counts.most_common():
            if has_null_character(text):
                continue  # a row error of its own, never a question
            wanted = normalise(text)
            if wanted in asked:
                asked[wanted]["count"] += count
                continue
            if wanted in answered or value_resolves(column, text, vocabularies):
                continue
            if len(asked) < MAX_QUESTIONS:
                asked[wanted] = {"value": text, "count": count}
        if asked:
            candidates = value_candidates(column, vocabularies)
            known = learned.get(key) or {}
            for wanted, question in asked.items():
                question["suggested"] = known.get(wanted) or suggest_value(
                    question["value"], candidates
                )
            questions[key] = list(asked.values())
    return questions


def column_map_problems(columns: list[dict], sheet: str = "cases") -> list[str]:
    """What makes a column map unusable: unknown or repeated template columns (a
    second one of a file's column counts too), a required one left out, a list cut
    where the column takes one value."""
    by_key = {column.key: column for column in SHEET_COLUMNS[sheet]}
    problems, seen = [], set()
    for choice in columns:
        for key, split in column_targets(choice):
            column = by_key.get(key)
            if column is None or split not in dict(SPLITS):
                problems.append(_("“%(key)s” is not a column of the template.") % {"key": key})
                continue
            if key in seen:
                problems.append(
                    _("The template column “%(column)s” is chosen for two columns of the file.")
                    % {"column": column.label}
                )
            seen.add(key)
            if split == SPLIT_LIST and not column.many:
                problems.append(
                    _("The template column “%(column)s” takes one value, not a list.")
                    % {"column": column.label}
                )
    for column in SHEET_COLUMNS[sheet]:
        if column.required and column.key not in seen:
            if sheet == "offenders":
                message = _("Choose the column of the Offenders sheet that gives “%(column)s”.")
            else:
                message = _("Choose the column of the file that gives “%(column)s”.")
            problems.append(message % {"column": column.label})
    return problems


# --- The check asks, or applies a profile ---------------------------------------------


def profile_mapping(profile: MappingProfile, mapping: dict | None = None) -> dict:
    """An upload's mapping read through ``profile``: a copy of it, which the upload
    keeps when the profile is edited or deleted."""
    found = {
        **(mapping or {}),
        "signature": profile.headers_signature,
        "columns": profile.columns,
        "values": profile.values,
        "conventions": profile.conventions,
        "profile_name": profile.name,
        "questions": {},
    }
    if profile.offenders.get("columns"):
        headers = profile.offenders["headers"]
        found["offenders"] = {
            **(found.get("offenders") or {}),
            **profile.offenders,
            "signature": headers_signature(headers),
        }
    return found


def _own_mapping(upload: Upload, signature: str) -> bool:
    """The upload was mapped for these headers already: by its uploader (on its
    page) or by the profile it was read with."""
    return ("columns" in upload.mapping and upload.mapping.get("signature") == signature) or (
        upload.profile_id is not None and upload.profile.headers_signature == signature
    )


def _profile_for(upload: Upload, signature: str) -> MappingProfile | None:
    """The administration's profile for these headers (the newest)."""
    return (
        MappingProfile.objects.filter(
            administration_id=upload.administration_id, headers_signature=signature
        )
        .order_by("-updated_at")
        .first()
    )


def _profile_use(upload: Upload, profile: MappingProfile, mapping: dict) -> None:
    upload.mapping = profile_mapping(profile, mapping)
    upload.profile = profile
    Upload.objects.filter(pk=upload.pk).update(mapping=upload.mapping, profile=profile)


def upload_profile_match(*, upload: Upload, needed: NeedsMapping) -> bool:
    """A file whose headers are not the template's, with no column map of its own
    yet: apply the administration's profile for the same headers, if any (the
    newest). True when one was applied and the file is to be read again."""
    if needed.headers is None or needed.offenders:
        return False  # a profile is found by the headers of the Cases sheet
    signature = headers_signature(needed.headers)
    if _own_mapping(upload, signature):
        return False  # its own mapping, or its profile, was used and still asks
    profile = _profile_for(upload, signature)
    if profile is None:
        return False
    _profile_use(upload, profile, _asked(needed, upload.mapping))
    return True


def upload_template_profile_match(*, upload: Upload, column_map: ColumnMap) -> None:
    """A file with the template's own headers, before its rows are read: read its
    values (and take its conventions) through the administration's profile for
    these headers, if it has one and the upload was not mapped otherwise."""
    if _own_mapping(upload, column_map.signature):
        return
    profile = _profile_for(upload, column_map.signature)
    if profile is None:
        return
    mapping = {**upload.mapping, "headers": column_map.headers, "template": True}
    _profile_use(upload, profile, mapping)
    column_map.values = upload.mapping["values"]


def _samples(needed: NeedsMapping) -> list[list[str]]:
    samples = [[] for _header in needed.headers]
    for values in needed.samples:
        for index in range(len(samples)):
            value = values[index] if index < len(values) else None
            if value not in (None, "") and len(samples[index]) < SAMPLE_VALUES:
                samples[index].append(_display(value))
    return samples


def _asked(needed: NeedsMapping, mapping: dict) -> dict:
    """The upload's mapping with the file's headers, samples and suggestions (of
    its Offenders sheet in "offenders")."""
    if needed.headers is None:
        return mapping
    if needed.offenders:
        signature = headers_signature(needed.headers)
        return {
            **mapping,
            "offenders": {
                "headers": needed.headers,
                "signature": signature,
                "samples": _samples(needed),
                "suggested": suggest_columns(needed.headers, sheet="offenders"),
            },
        }
    signature = headers_signature(needed.headers)
    if mapping.get("signature") != signature:
        # A column map for other headers (a profile named for another file) is no
        # guide to these; the answers about values still are.
        mapping = {key: value for key, value in mapping.items() if key != "columns"}
    if needed.template:
        # The template's own headers: nothing to suggest, only values to map.
        return {**mapping, "headers": needed.headers, "signature": signature, "template": True}
    samples = _samples(needed)
    mapping = {key: value for key, value in mapping.items() if key != "template"}
    return {
        **mapping,
        "headers": needed.headers,
        "signature": signature,
        "samples": samples,
        "suggested": suggest_columns(needed.headers),
    }


def _display(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)[:100]


def upload_mapping_ask(*, upload: Upload, needed: NeedsMapping) -> Upload:
    """End the check in "needs a mapping", with what the page asks."""
    with transaction.atomic():
        if not service._still(upload, UploadStatus.CHECKING):
            return upload
        mapping = _asked(needed, upload.mapping)
        if needed.questions is not None:
            mapping["questions"] = needed.questions
        upload.mapping = mapping
        if (
            upload.profile is not None
            and not needed.offenders
            and upload.profile.headers_signature != mapping["signature"]
        ):
            upload.profile = None  # named for other headers: not what this file was read with
        upload.status = UploadStatus.NEEDS_MAPPING
        upload.rows_done = upload.rows_total
        upload.save(update_fields=["mapping", "profile", "status", "rows_done"])
    return upload


# --- Setting a mapping, saving a profile ----------------------------------------------

REMAPPABLE = (UploadStatus.NEEDS_MAPPING, UploadStatus.INVALID, UploadStatus.AWAITING)


def upload_can_map(upload: Upload) -> bool:
    """A file with its own headers, checked and not imported yet."""
    return bool(upload.mapping.get("headers")) and upload.status in REMAPPABLE


def _problems(columns: list[dict]) -> list[str]:
    """An empty column map is a file with the template's own columns."""
    return column_map_problems(columns) if columns else []


def _check_profile_user(user: User, profile: MappingProfile | None) -> None:
    if user.role not in service.UPLOADERS:
        raise PermissionDenied
    if profile is not None and profile.administration_id != user.administration_id:
        raise PermissionDenied


def _name_taken(user: User, name: str, profile: MappingProfile | None) -> MappingProfile | None:
    return (
        MappingProfile.objects.filter(administration_id=user.administration_id, name=name)
        .exclude(pk=profile.pk if profile else None)
        .first()
    )


def _name_taken_message(name: str) -> MappingInvalid:
    return MappingInvalid(
        [_("Your administration already has a profile named “%(name)s”.") % {"name": name}]
    )


def _profile_audit(action: str, user: User, profile: MappingProfile, request, details: dict):
    """A profile saved, renamed or deleted, in the audit log of its administration."""
    audit_event_create(
        action=action,
        request=request,
        actor=user,
        administration=user.administration,
        target=profile,
        details=details,
    )


@transaction.atomic
def mapping_profile_save(
    *,
    user: User,
    name: str,
    headers: list[str],
    columns: list[dict],
    values: dict,
    conventions: dict | None = None,
    offenders: dict | None = None,
    profile: MappingProfile | None = None,
    request: HttpRequest | None = None,
) -> MappingProfile:
    """Create the administration's profile ``name``, or update it (``profile``, or
    the one of that name), for files with these headers. ``columns`` empty: the
    headers are the template's own, and only values are mapped. ``conventions``:
    how its numbers and dates are read ({key: {"order": …} | {"decimal": …}});
    ``offenders``: the map of their Offenders sheet ({"headers", "columns"});
    None keeps the profile's, for both."""
    _check_profile_user(user, profile)
    problems = _problems(columns)
    if offenders and offenders.get("columns"):
        problems += column_map_problems(offenders["columns"], sheet="offenders")
    if problems:
        raise MappingInvalid(problems)
    same_name = _name_taken(user, name, profile)
    if profile is None:
        profile = same_name
    elif same_name is not None:
        raise _name_taken_message(name)
    created = profile is None
    if created:
        profile = MappingProfile(administration=user.administration, created_by=user)
    previous = "" if created else profile.name
    profile.name = name
    profile.headers = headers
    profile.headers_signature = headers_signature(headers)
    profile.columns, profile.values = columns, values
    if conventions is not None:
        profile.conventions = conventions
    if offenders is not None:
        profile.offenders = offenders
    profile.updated_at = timezone.now()
    profile.save()
    details = {"name": name, "created": created, "columns": len(columns)}
    if previous and previous != name:
        details["renamed_from"] = previous
    _profile_audit(AuditAction.MAPPING_PROFILE_SAVED, user, profile, request, details)
    return profile


@transaction.atomic
def mapping_profile_rename(
    *, user: User, profile: MappingProfile, name: str, request: HttpRequest | None = None
) -> MappingProfile:
    """Give the profile another name, unique in its administration."""
    _check_profile_user(user, profile)
    name = name.strip()
    if not name:
        raise MappingInvalid([_("Give the profile a name.")])
    limit = MappingProfile._meta.get_field("name").max_length
    if len(name) > limit:
        raise MappingInvalid(
            [_("A profile's name has at most %(limit)s characters.") % {"limit": limit}]
        )
    if has_null_character(name):
        raise MappingInvalid([null_character_message(_("Name"))])
    if _name_taken(user, name, profile) is not None:
        raise _name_taken_message(name)
    previous = profile.name
    profile.name, profile.updated_at = name, timezone.now()
    profile.save(update_fields=["name", "updated_at"])
    _profile_audit(
        AuditAction.MAPPING_PROFILE_RENAMED,
        user,
        profile,
        request,
        {"name": name, "renamed_from": previous},
    )
    return profile


@transaction.atomic
def mapping_profile_delete(
    *, user: User, profile: MappingProfile, request: HttpRequest | None = None
) -> None:
    """Delete the profile. The uploads read with it keep their own copy of its
    mapping (``Upload.mapping``) and its name, and are read with that copy."""
    _check_profile_user(user, profile)
    uploads = Upload.objects.filter(profile=profile)
    count = uploads.count()
    _profile_audit(
        AuditAction.MAPPING_PROFILE_DELETED,
        user,
        profile,
        request,
        {"name": profile.name, "headers": profile.headers, "uploads": count},
    )
    profile.delete()  # Upload.profile is set to null; Upload.mapping keeps the copy


def profile_conventions(conventions: dict) -> dict:
    """The readings the user chose for an upload's columns, as a profile keeps them."""
    kept = {}
    for key, convention in conventions.items():
        if convention.get("decided") != USER:
            continue
        reading = "decimal" if "decimal" in convention else "order"
        kept[key] = {reading: convention[reading]}
    return kept


def profile_conventions_keep(*, upload: Upload, user: User, request=None) -> None:
    """The readings the user chose for the upload's columns, kept in the profile it
    was read with (in the caller's transaction)."""
    profile = MappingProfile.objects.select_for_update().filter(pk=upload.profile_id).first()
    chosen = profile_conventions(upload.conventions)
    if (
        profile is None
        or not chosen
        or all(profile.conventions.get(key) == reading for key, reading in chosen.items())
    ):
        return
    profile.conventions = {**profile.conventions, **chosen}
    profile.updated_at = timezone.now()
    profile.save(update_fields=["conventions", "updated_at"])
    _profile_audit(
        AuditAction.MAPPING_PROFILE_SAVED,
        user,
        profile,
        request,
        {"name": profile.name, "created": False, "conventions": chosen},
    )


@transaction.atomic
def upload_mapping_set(
    *,
    upload: Upload,
    user: User,
    columns: list[dict],
    values: dict,
    profile_name: str = "",
    profile: MappingProfile | None = None,
    offender_columns: list[dict] | None = None,
    request: HttpRequest | None = None,
) -> Upload:
    """Store the column map and the answers to the value questions on the upload
    (the answers add to earlier ones), save them as the profile ``profile_name``
    if given, and check the file again. ``profile``: the profile these come from.
    A file with the template's own headers has no column map: ``columns`` is
    ignored, only values are mapped. ``offender_columns``: the map of its
    Offenders sheet, when that sheet has headers of its own (None keeps it)."""
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.administration_id != user.administration_id:
        raise PermissionDenied
    if not upload_can_map(upload):
        raise PermissionDenied(_("The mapping of this upload cannot be changed now."))
    if upload.mapping.get("template"):
        columns = []
    problems = [] if upload.mapping.get("template") else column_map_problems(columns)
    offenders = dict(upload.mapping.get("offenders") or {})
    if offender_columns is not None and offenders.get("headers"):
        problems += column_map_problems(offender_columns, sheet="offenders")
        offenders["columns"] = offender_columns
    if problems:
        raise MappingInvalid(problems)
    answers = {key: dict(found) for key, found in (upload.mapping.get("values") or {}).items()}
    for key, found in values.items():
        answers.setdefault(key, {}).update(found)
    headers = upload.mapping["headers"]
    upload.mapping = {
        **upload.mapping,
        "signature": headers_signature(headers),
        "columns": columns,
        "values": answers,
        "questions": {},
    }
    if offenders:
        upload.mapping["offenders"] = offenders
    if profile_name:
        chosen = profile_conventions(upload.conventions)
        profile = mapping_profile_save(
            user=user,
            name=profile_name,
            headers=headers,
            columns=columns,
            values=answers,
            # The readings chosen for this file so far join those the profile had.
            conventions={**(upload.mapping.get("conventions") or {}), **chosen},
            offenders=(
                {"headers": offenders["headers"], "columns": offenders["columns"]}
                if offenders.get("columns")
                else None
            ),
            profile=profile if profile is not None and profile.name == profile_name else None,
            request=request,
        )
    # The page says which profile the file was read with: not one it no longer follows.
    upload.profile = profile if profile is not None and profile.columns == columns else None
    if upload.profile is not None:
        upload.mapping["profile_name"] = upload.profile.name
        upload.mapping["conventions"] = upload.profile.conventions
    else:
        upload.mapping.pop("profile_name", None)
    upload.status, upload.message = UploadStatus.CHECKING, ""
    upload.summary, upload.errors, upload.error_count = {}, [], 0
    upload.error_file, upload.validated = "", ""
    upload.rows_done, upload.attempts = 0, 0
    upload.checked_at, upload.progress_at = None, timezone.now()
    upload.save()
    service._audit(
        AuditAction.UPLOAD_MAPPING_SET,
        upload=upload,
        request=request,
        columns=mapped_keys(columns),
        values=sum(len(found) for found in values.values()),
        profile=profile.name if profile else "",
    )
    service._queue(service.tasks.check_upload, upload)
    return upload


def upload_profile_apply(
    *, upload: Upload, user: User, profile: MappingProfile, request: HttpRequest | None = None
) -> Upload:
    """Read the upload with one of the administration's profiles, and check it again."""
    if profile.administration_id != user.administration_id:
        raise PermissionDenied
    if profile.headers_signature != headers_signature(upload.mapping.get("headers") or []):
        raise MappingInvalid(
            [_("The profile “%(name)s” is for files with other headers.") % {"name": profile}]
        )
    offenders = upload.mapping.get("offenders") or {}
    same_sheet = profile.offenders.get("headers") and headers_signature(
        profile.offenders["headers"]
    ) == offenders.get("signature")
    return upload_mapping_set(
        upload=upload,
        user=user,
        columns=profile.columns,
        values=profile.values,
        profile=profile,
        offender_columns=profile.offenders["columns"] if same_sheet else None,
        request=request,
    )
