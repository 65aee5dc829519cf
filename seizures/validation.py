"""The one way to validate a case.

The full entry form binds ``CaseForms`` to the POST; the simplified form, bulk
upload and the API build a plain payload and call ``case_validate``, which binds
the very same forms. Either way ``CaseForms.data()`` gives the cleaned
``CaseData`` that the services write.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from accounts.models import Administration

from .forms import (
    CaseForm,
    LineFormSet,
    OffenderFormSet,
    PhotoFormSet,
    RouteFormSet,
    validation_batch_current,
)
from .models import Case, Photo
from .validators import has_null_character


@dataclass
class CaseData:
    """A validated case, ready for ``case_create`` or ``case_update``."""

    fields: dict
    lines: list[dict]
    legs: list[dict]
    offenders: list[dict]
    photos: list[dict] = field(default_factory=list)


PREFIXES = {"lines": "lines", "route": "route", "offenders": "offenders", "photos": "photos"}
PARTS = ("lines", "route", "offenders")
# Parts that many cases of a batch share word for word (the same route from the
# same country, the same courier profile, none at all): within a validation
# batch each different one is validated once, and its formset is not even bound
# again. A part's outcome depends on its own data and on which case it belongs
# to (none yet, for a new case), nothing else.
REPEATED_PARTS = ("route", "offenders")


@dataclass(frozen=True)
class FormSetOutcome:
    """What ``CaseForms`` reads of a validated formset."""

    valid: bool
    errors: dict
    rows: list[dict]

    @classmethod
    def of(cls, formset) -> "FormSetOutcome":
        valid = formset.is_valid()
        errors = {}
        if formset.non_form_errors():
            errors[formset.prefix] = list(formset.non_form_errors())
        for form in formset.forms:
            for name, messages in form.errors.items():
                errors[f"{form.prefix}-{name}"] = list(messages)
        rows = [
            {k: v for k, v in form.cleaned_data.items() if k not in ("DELETE", "id", "case")}
            for form in formset.forms
            if valid and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        return cls(valid=valid, errors=errors, rows=rows)


def _part_key(name: str, data: "PayloadFormData", instance: Case) -> tuple:
    start = f"{PREFIXES[name]}-"
    values = (
        (key, value if isinstance(value, str) else tuple(value))
        for key, value in data.items()
        if key.startswith(start)
    )
    return (name, instance.pk, tuple(sorted(values)))


@dataclass
class CaseForms:
    case: CaseForm
    lines: LineFormSet
    # None when a validation batch already knew the part's outcome.
    route: RouteFormSet | None
    offenders: OffenderFormSet | None
    photos: PhotoFormSet | None = None
    # The formsets' outcomes by part, once ``is_valid`` has run; within a
    # validation batch, ``keys`` are the parts' keys in the batch's outcomes.
    outcomes: dict[str, FormSetOutcome] = field(default_factory=dict)
    keys: dict[str, tuple] = field(default_factory=dict)

    @classmethod
    def bind(
        cls,
        *,
        data=None,
        files=None,
        instance: Case | None = None,
        administration: Administration,
        with_photos: bool = True,
    ) -> "CaseForms":
        instance = instance or Case(administration=administration)
        batch = validation_batch_current()
        keys, known = {}, {}
        if batch is not None and isinstance(data, PayloadFormData):
            for name in REPEATED_PARTS:
                keys[name] = _part_key(name, data, instance)
                if keys[name] in batch.parts:
                    known[name] = batch.parts[keys[name]]

        def formset(name, formset_class):
            if name in known:
                return None
            return formset_class(data, instance=instance, prefix=PREFIXES[name])

        return cls(
            case=CaseForm(data, instance=instance, administration=administration),
            lines=formset("lines", LineFormSet),
            route=formset("route", RouteFormSet),
            offenders=formset("offenders", OffenderFormSet),
            photos=(
                PhotoFormSet(
                    data,
                    files,
                    instance=instance,
                    prefix=PREFIXES["photos"],
                    queryset=Photo.objects.none(),
                )
                if with_photos
                else None
            ),
            outcomes=known,
            keys=keys,
        )

    def all(self) -> list:
        return [
            form
            for form in (self.case, self.lines, self.route, self.offenders, self.photos)
            if form is not None
        ]

    def is_valid(self) -> bool:
        # Validate every part (no short-circuit), so that every error shows at once.
        valid = self.case.is_valid()
        for name in PARTS:
            valid = self._outcome(name).valid and valid
        if self.photos is not None:
            valid = self.photos.is_valid() and valid
        return valid

    def _outcome(self, name: str) -> FormSetOutcome:
        if name not in self.outcomes:
            self.outcomes[name] = FormSetOutcome.of(getattr(self, name))
            if name in self.keys:
                validation_batch_current().parts[self.keys[name]] = self.outcomes[name]
        return self.outcomes[name]

    def errors(self) -> dict:
        """Errors as {"field": [...], "lines-0-quantity": [...], "__all__": [...]}."""
        errors = {name: list(messages) for name, messages in self.case.errors.items()}
        for name in PARTS:
            errors.update(self._outcome(name).errors)
        if self.photos is not None:
            errors.update(FormSetOutcome.of(self.photos).errors)
        return errors

    def data(self) -> CaseData:
        def rows(name):
            return [dict(row) for row in self._outcome(name).rows]

        photos = []
        if self.photos is not None:
            for form in self.photos.forms:
                if form.cleaned_data and not form.cleaned_data.get("DELETE"):
                    photos.append(
                        {
                            "clean_image": form.clean_image_data,
                            "kind": form.cleaned_data["kind"],
                            "caption": form.cleaned_data.get("caption", ""),
                        }
                    )
        return CaseData(
            fields=dict(self.case.cleaned_data),
            lines=rows("lines"),
            legs=rows("route"),
            offenders=rows("offenders"),
            photos=photos,
        )


def payload_to_form_data(payload: dict) -> dict:
    """Plain data (as from a spreadsheet row group or JSON) → the POST layout of
    the full entry form."""
    data = {
        key: value
        for key, value in payload.items()
        if key not in ("lines", "route", "offenders") and value is not None
    }
    for name in ("lines", "route", "offenders"):
        rows = payload.get(name) or []
        prefix = PREFIXES[name]
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for index, row in enumerate(rows):
            for key, value in row.items():
                if value is not None:
                    data[f"{prefix}-{index}-{key}"] = value
    return data


class PayloadFormData(dict):
    """A payload in the POST layout, as the forms read it: a plain dict whose
    multiple choices are lists (``getlist`` as on a QueryDict, which costs far
    more per lookup: the forms of one case look up a few hundred values).
    ``null_free`` says once for all its forms that no value holds a NUL byte."""

    def __init__(self, data: dict):
        super().__init__(
            (key, [str(item) for item in value] if isinstance(value, list | tuple) else str(value))
            for key, value in data.items()
        )
        self.null_free = not any(has_null_character(value) for value in self.values())

    def getlist(self, key, default=None):
        value = self.get(key)
        if value is None:
            return [] if default is None else default
        return list(value) if isinstance(value, list) else [value]


def case_validate(
    *, payload: dict, administration: Administration, instance: Case | None = None
) -> tuple[CaseData | None, dict]:
    """Validate a case given as plain data. Returns (data, {}) or (None, errors)."""
    form_data = PayloadFormData(payload_to_form_data(payload))
    case_forms = CaseForms.bind(
        data=form_data, instance=instance, administration=administration, with_photos=False
    )
    if not case_forms.is_valid():
        return None, case_forms.errors()
    return case_forms.data(), {}


# --- Data quality ----------------------------------------------------------------

RECOMMENDED = [
    ("place", _("place of seizure")),
    ("location_type", _("location type")),
    ("direction", _("direction")),
    ("concealment_methods", _("concealment method")),
    ("departure", _("country of departure")),
    ("destination", _("country of destination")),
    ("hs_code", _("HS code of every line")),
    ("estimated_value", _("estimated value of every line")),
    ("offenders", _("offender profiles")),
    ("narrative", _("narrative")),
]


# Required facts that may be given as not known (or, for a line, as a quantity
# not recorded): each so given is one more missing fact.
REQUIRED_NOT_KNOWN = [
    ("transport_mode", _("transport mode (given as not known)")),
    ("detection_method", _("detection method (given as not known)")),
    ("quantity", _("quantity of every line (one is not recorded)")),
]


def _vocabulary_not_known(value) -> bool:
    return bool(getattr(value, "is_not_known", False))


def case_quality(data: CaseData, *, has_photos: bool = False) -> tuple[int, list]:
    """A 0–100 score of how complete a case is, and the labels of what is missing.

    The score is the share of the recommended information given. A required
    fact given as not known, or a quantity not recorded, adds one more missing
    item to the recommended ones: the score of a case that knows them is the
    same as before they could be left unknown."""
    fields, lines, legs = data.fields, data.lines, data.legs
    kinds = {leg.get("kind") for leg in legs}
    present = {
        "place": bool(fields.get("place")),
        "location_type": bool(fields.get("location_type")),
        "direction": bool(fields.get("direction")),
        "concealment_methods": bool(fields.get("concealment_methods")),
        "departure": "departure" in kinds,
        "destination": "destination" in kinds,
        "hs_code": bool(lines) and all(line.get("hs_code") for line in lines),
        "estimated_value": bool(lines)
        and all(line.get("estimated_value") is not None for line in lines),
        "offenders": bool(data.offenders),
        "narrative": bool(fields.get("narrative")),
    }
    checks = [*RECOMMENDED, ("photos", _("photos"))]
    present["photos"] = has_photos or bool(data.photos)
    missing = [label for key, label in checks if not present[key]]
    score_of = len(checks) - len(missing)
    not_known = {
        "transport_mode": _vocabulary_not_known(fields.get("transport_mode")),
        "detection_method": _vocabulary_not_known(fields.get("detection_method")),
        "quantity": any(line.get("quantity_not_recorded") for line in lines),
    }
    unknown = [label for key, label in REQUIRED_NOT_KNOWN if not_known[key]]
    score = round(100 * score_of / (len(checks) + len(unknown)))
    return score, [*unknown, *missing]
