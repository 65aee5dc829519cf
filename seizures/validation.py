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
)
from .models import Case, Photo


@dataclass
class CaseData:
    """A validated case, ready for ``case_create`` or ``case_update``."""

    fields: dict
    lines: list[dict]
    legs: list[dict]
    offenders: list[dict]
    photos: list[dict] = field(default_factory=list)


PREFIXES = {"lines": "lines", "route": "route", "offenders": "offenders", "photos": "photos"}


@dataclass
class CaseForms:
    case: CaseForm
    lines: LineFormSet
    route: RouteFormSet
    offenders: OffenderFormSet
    photos: PhotoFormSet | None = None

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
        return cls(
            case=CaseForm(data, instance=instance, administration=administration),
            lines=LineFormSet(data, instance=instance, prefix=PREFIXES["lines"]),
            route=RouteFormSet(data, instance=instance, prefix=PREFIXES["route"]),
            offenders=OffenderFormSet(data, instance=instance, prefix=PREFIXES["offenders"]),
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
        )

    def all(self) -> list:
        return [
            form
            for form in (self.case, self.lines, self.route, self.offenders, self.photos)
            if form is not None
        ]

    def is_valid(self) -> bool:
        # Validate every part (no short-circuit), so that every error shows at once.
        results = [form.is_valid() for form in self.all()]
        return all(results)

    def errors(self) -> dict:
        """Errors as {"field": [...], "lines-0-quantity": [...], "__all__": [...]}."""
        errors = {name: list(messages) for name, messages in self.case.errors.items()}
        for formset in self.all()[1:]:
            if formset.non_form_errors():
                errors.setdefault(f"{formset.prefix}", []).extend(formset.non_form_errors())
            for form in formset.forms:
                for name, messages in form.errors.items():
                    errors[f"{form.prefix}-{name}"] = list(messages)
        return errors

    def data(self) -> CaseData:
        def rows(formset):
            return [
                {k: v for k, v in form.cleaned_data.items() if k not in ("DELETE", "id", "case")}
                for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]

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
            lines=rows(self.lines),
            legs=rows(self.route),
            offenders=rows(self.offenders),
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


def case_validate(
    *, payload: dict, administration: Administration, instance: Case | None = None
) -> tuple[CaseData | None, dict]:
    """Validate a case given as plain data. Returns (data, {}) or (None, errors)."""
    from django.http import QueryDict

    form_data = QueryDict(mutable=True)
    for key, value in payload_to_form_data(payload).items():
        if isinstance(value, list | tuple):
            form_data.setlist(key, [str(item) for item in value])
        else:
            form_data[key] = str(value)
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
