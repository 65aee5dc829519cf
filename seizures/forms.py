"""The case forms. They are the one validation path: manual entry (full and
simplified), bulk upload and the API all bind their data to these forms and
then to ``validation.case_validate``."""

import copy
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.forms.formsets import (
    INITIAL_FORM_COUNT,
    MAX_NUM_FORM_COUNT,
    MIN_NUM_FORM_COUNT,
    TOTAL_FORM_COUNT,
    ManagementForm,
)
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import (
    Case,
    CommodityLine,
    CommodityType,
    DetectionMethod,
    ExportColumns,
    ExportFormat,
    ExportLayout,
    OffenderProfile,
    Photo,
    RouteLeg,
    TransportMode,
    Unit,
    UploadExisting,
    UploadWorkflow,
)
from .photos import photo_sanitise
from .search.forms import BootstrapBoundField
from .validators import (
    currency_choices,
    current_currency_codes,
    has_null_character,
    normalise_hs_code,
    null_character_message,
    route_order_errors,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


@dataclass
class ValidationBatch:
    """What the forms of many cases validated together look up once.

    Bulk upload and the API bind the entry form to thousands of cases that name
    the same few vocabulary entries: within ``validation_batch()`` an entry found
    once is not looked up again, the national references of the batch are
    checked against one query made beforehand, and the forms share their
    fields instead of deep-copying them (they are validated, never rendered)."""

    entries: dict = field(default_factory=dict)
    administration_id: int | None = None
    # The references whose owners were looked up, and the pk of each owner found.
    references: frozenset[str] = frozenset()
    owners: dict[str, int] = field(default_factory=dict)
    # The outcomes of case parts validated once (see validation.REPEATED_PARTS).
    parts: dict = field(default_factory=dict)

    def reference_owner(self, administration, reference: str):
        """(True, pk or None) when the batch knows who uses ``reference``;
        (False, None) when it must be asked of the database."""
        if administration.pk != self.administration_id or reference not in self.references:
            return False, None
        return True, self.owners.get(reference)


_batch: ContextVar[ValidationBatch | None] = ContextVar("validation_batch", default=None)


def validation_batch_current() -> ValidationBatch | None:
    return _batch.get()


@contextmanager
def validation_batch(*, administration=None, references=(), known=None):
    """``references``: the national references of the batch; ``known``: the
    cases of ``administration`` that use them, by reference (one query)."""
    batch = ValidationBatch(
        administration_id=administration.pk if administration is not None else None,
        references=frozenset(references) if administration is not None else frozenset(),
        owners={reference: case.pk for reference, case in (known or {}).items()},
    )
    token = _batch.set(batch)
    try:
        yield batch
    finally:
        _batch.reset(token)


class BatchSharedFields(dict):
    """A form class's ``base_fields``. Django deep-copies them for every form;
    within a validation batch the forms share them (see ``ValidationBatch``)."""

    def __deepcopy__(self, memo):
        if _batch.get() is not None:
            return dict(self)
        return {name: copy.deepcopy(value, memo) for name, value in self.items()}


class VocabularyChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        batch = _batch.get()
        if batch is None or value in self.empty_values:
            return super().to_python(value)
        key = (self.queryset.model, str(value))
        if key not in batch.entries:
            batch.entries[key] = super().to_python(value)
        return batch.entries[key]


class VocabularyMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        batch = _batch.get()
        if batch is None:
            return super()._check_values(value)
        key = (self.queryset.model, frozenset(str(item) for item in value))
        if key not in batch.entries:
            # Evaluated here, so the forms of the batch share its result.
            batch.entries[key] = super()._check_values(value)
        return batch.entries[key]


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in countries)


class NullCharacterMixin:
    """A NUL byte in any field is refused with a message that names the field:
    Django's own message does not, and a choice field would only say that the
    value is not in its list."""

    def has_changed(self):
        # Whether any field changed: Django compares them all to tell, the first
        # changed one will do (a formset asks it of each of its forms).
        if "changed_data" in self.__dict__:
            return bool(self.changed_data)
        return any(bound._has_changed() for _name, bound in self._bound_items())

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or getattr(self.data, "null_free", False):
            return
        for name, bound in self.fields.items():
            raw = bound.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            if has_null_character(raw):
                message = null_character_message(bound.label or name)
                self._errors[name] = self.error_class([message], renderer=self.renderer)
                self.cleaned_data.pop(name, None)


_CHECKED_BY_THE_FORM = {}


def _checked_by_the_form(form, names: tuple) -> frozenset[str]:
    """The country and single-choice fields of a form (the same for every form of
    its class with the same fields, a formset's added ones included)."""
    key = (type(form), names)
    if key not in _CHECKED_BY_THE_FORM:
        _CHECKED_BY_THE_FORM[key] = frozenset(
            name
            for name, choice in form.fields.items()
            if name in ("country", "nationality")
            or (
                isinstance(choice, forms.ModelChoiceField)
                and not isinstance(choice, forms.ModelMultipleChoiceField)
            )
        )
    return _CHECKED_BY_THE_FORM[key]


class VocabularyFormMixin(NullCharacterMixin):
    """Choice checks made once, and cheaply.

    The form's vocabulary fields already checked that the entry exists (and is
    active), and its country fields that the code is a country: the model need
    not check them again (a query, or a walk through 250 countries, each time).
    A bulk upload binds thousands of these forms."""

    def __init__(self, *args, **kwargs):
        if _batch.get() is not None:
            kwargs.setdefault("label_suffix", "")  # never shown: spare its translation
        super().__init__(*args, **kwargs)
        for name in ("country", "nationality"):
            choice = self.fields.get(name)
            if choice is not None:
                if _batch.get() is not None:
                    # Shared with the other forms of the batch: set on a copy.
                    choice = self.fields[name] = copy.copy(choice)
                choice.valid_value = _country_codes().__contains__

    def _get_validation_exclusions(self):
        checked = _checked_by_the_form(self, tuple(self.fields))
        return super()._get_validation_exclusions() | checked


class CaseForm(VocabularyFormMixin, forms.ModelForm):
    # Typed with spaces or in lower case ("msku 907032 3"): cleaned below, and the
    # model's validators check the cleaned value.
    container_number = forms.CharField(label=_("Container number"), max_length=20, required=False)
    flight_number = forms.CharField(label=_("Flight number"), max_length=16, required=False)
    unlocode = forms.CharField(label=_("UN/LOCODE"), max_length=8, required=False)

    class Meta:
        model = Case
        fields = [
            "national_reference",
            "seizure_date",
            "country",
            "abroad_reason",
            "place",
            "unlocode",
            "location_type",
            "direction",
            "transport_mode",
            "flight_number",
            "vessel_name",
            "imo_number",
            "container_number",
            "vehicle_type",
            "detection_method",
            "concealment_methods",
            "offence_types",
            "narrative",
        ]
        field_classes = {
            "location_type": VocabularyChoiceField,
            "direction": VocabularyChoiceField,
            "transport_mode": VocabularyChoiceField,
            "detection_method": VocabularyChoiceField,
            "concealment_methods": VocabularyMultipleChoiceField,
            "offence_types": VocabularyMultipleChoiceField,
        }
        widgets = {
            "seizure_date": DATE_WIDGET,
            "concealment_methods": forms.CheckboxSelectMultiple,
            "offence_types": forms.CheckboxSelectMultiple,
            "narrative": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, administration=None, **kwargs):
        self.administration = administration
        super().__init__(*args, **kwargs)

    def _clean_upper(self, name):
        return "".join(self.cleaned_data.get(name, "").split()).upper()

    def clean_flight_number(self):
        return self._clean_upper("flight_number")

    def clean_container_number(self):
        return self._clean_upper("container_number")

    def clean_unlocode(self):
        return self._clean_upper("unlocode")

    def clean_seizure_date(self):
        date = self.cleaned_data["seizure_date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("The date of seizure cannot be in the future."))
        if date.year < 1990:
            raise forms.ValidationError(_("The date of seizure is too far in the past."))
        return date

    def clean(self):
        data = super().clean()
        own = self.administration.country if self.administration is not None else ""
        country = data.get("country")
        if not own or not country or str(country) == str(own):
            # A seizure at home needs no reason: one left from an earlier country goes.
            data["abroad_reason"] = ""
        elif not data.get("abroad_reason") and "abroad_reason" not in self.errors:
            self.add_error(
                "country",
                _(
                    "Your administration reports the seizures made in %(own)s. For a "
                    "seizure made in %(country)s, give the reason for reporting a seizure "
                    "abroad."
                )
                % {"own": countries.name(str(own)), "country": countries.name(str(country))},
            )
        return data

    def clean_national_reference(self):
        reference = self.cleaned_data.get("national_reference", "").strip()
        if reference and self.administration is not None:
            batch = _batch.get()
            known, owner = (
                batch.reference_owner(self.administration, reference) if batch else (False, None)
            )
            if known:
                taken = owner is not None and owner != self.instance.pk
            else:
                taken = (
                    Case.objects.filter(
                        administration=self.administration, national_reference=reference
                    )
                    .exclude(pk=self.instance.pk)
                    .exists()
                )
            if taken:
                raise forms.ValidationError(
                    _("Another case of your administration already uses this reference.")
                )
        return reference


class CurrencyField(forms.ChoiceField):
    def valid_value(self, value):
        # The codes, not the choices: those are named anew in the active language
        # each time they are listed, for every line of a bulk upload.
        return str(value) in current_currency_codes()


class CommodityLineForm(VocabularyFormMixin, forms.ModelForm):
    # Choices named in the active language when the form is shown (a callable).
    currency = CurrencyField(
        label=capfirst(CommodityLine._meta.get_field("currency").verbose_name),
        choices=currency_choices,
        required=False,
    )

    class Meta:
        model = CommodityLine
        fields = [
            "commodity_type",
            "description",
            "hs_code",
            "quantity",
            "quantity_not_recorded",
            "unit",
            "estimated_value",
            "currency",
            "brand",
            "species",
            "cites_appendix",
            "packaging",
        ]
        field_classes = {"commodity_type": VocabularyChoiceField, "unit": VocabularyChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Required unless the quantity is not recorded: see ``_clean_quantity``.
        self.fields["unit"].required = False

    def _get_validation_exclusions(self):
        # The model's check "a quantity, or said not recorded" is ``_clean_quantity``'s:
        # left to the model, it would ask the database once per line.
        return {*super()._get_validation_exclusions(), "quantity_not_recorded"}

    def clean_hs_code(self):
        return normalise_hs_code(self.cleaned_data.get("hs_code", ""))

    def clean_currency(self):
        return self.cleaned_data.get("currency", "").strip().upper()

    def clean(self):
        data = super().clean()
        self._clean_quantity(data)
        if data.get("estimated_value") is not None and not data.get("currency"):
            self.add_error("currency", _("Give the currency of the estimated value."))
        if data.get("cites_appendix") and not data.get("species"):
            self.add_error("species", _("Name the species when you give a CITES appendix."))
        return data

    def _clean_quantity(self, data) -> None:
        """A quantity, or the line says it is not recorded; then the unit may be
        left out (the commodity's own unit places the line in the statistics)."""
        not_recorded = data.get("quantity_not_recorded")
        if not_recorded and data.get("quantity") is not None:
            self.add_error(
                "quantity", _("Leave the quantity empty: the line says it is not recorded.")
            )
        elif not not_recorded and data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error(
                "quantity",
                _(
                    "Give the quantity, or mark it as not recorded (a trace, or goods "
                    "nobody weighed or counted)."
                ),
            )
        if data.get("unit") is None and "unit" not in self.errors:
            commodity_type = data.get("commodity_type")
            if not_recorded and commodity_type is not None:
                data["unit"] = self.fields["unit"].to_python(commodity_type.default_unit_id)
            else:
                self.add_error("unit", self.fields["unit"].error_messages["required"])


class RouteLegForm(VocabularyFormMixin, forms.ModelForm):
    class Meta:
        model = RouteLeg
        fields = ["kind", "country", "place"]


class OffenderForm(VocabularyFormMixin, forms.ModelForm):
    class Meta:
        model = OffenderProfile
        fields = ["role", "nationality", "gender", "birth_year", "age_range"]

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year and year > timezone.localdate().year:
            raise forms.ValidationError(_("The year of birth cannot be in the future."))
        return year

    def clean(self):
        data = super().clean()
        if data.get("birth_year") and data.get("age_range"):
            self.add_error("age_range", _("Give either the year of birth or an age range."))
        return data


class PhotoForm(forms.ModelForm):
    image = forms.ImageField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Photo
        fields = ["image", "kind", "caption"]

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload and not isinstance(upload, str) and hasattr(upload, "size"):
            # The sanitised copy is what gets stored, never the upload itself.
            self.clean_image_data = photo_sanitise(upload)
        return upload


class CaseFormSet(BaseInlineFormSet):
    """The formsets of a case's parts. Within a validation batch, formsets bound to
    the same counts share one management form, cleaned once."""

    @cached_property
    def management_form(self):
        batch = _batch.get()
        if batch is None or not self.is_bound:
            return super().management_form
        counts = (TOTAL_FORM_COUNT, INITIAL_FORM_COUNT, MIN_NUM_FORM_COUNT, MAX_NUM_FORM_COUNT)
        key = (ManagementForm, self.prefix, *(self.data.get(self.add_prefix(n)) for n in counts))
        if key not in batch.entries:
            batch.entries[key] = super().management_form
        return batch.entries[key]


class OrderedRouteFormSet(CaseFormSet):
    """Route legs in travel order: the departure first, then transits, the
    destination last; at most one departure and one destination."""

    def clean(self):
        super().clean()
        kinds = [
            form.cleaned_data["kind"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        for error in route_order_errors(kinds):
            raise forms.ValidationError(error)


class AtLeastOneLineFormSet(CaseFormSet):
    def clean(self):
        super().clean()
        lines = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not lines:
            raise forms.ValidationError(_("A case needs at least one commodity line."))


LineFormSet = inlineformset_factory(
    Case, CommodityLine, form=CommodityLineForm, formset=AtLeastOneLineFormSet, extra=0, min_num=1
)
RouteFormSet = inlineformset_factory(
    Case, RouteLeg, form=RouteLegForm, formset=OrderedRouteFormSet, extra=0
)
OffenderFormSet = inlineformset_factory(
    Case, OffenderProfile, form=OffenderForm, formset=CaseFormSet, extra=0
)
PhotoFormSet = inlineformset_factory(Case, Photo, form=PhotoForm, extra=0)


def _only_active_entries(form_class) -> None:
    """Only active vocabulary entries can be chosen. Set once on the class (the
    querysets stay lazy and each form gets its own copy)."""
    for choice in form_class.base_fields.values():
        if isinstance(choice, forms.ModelChoiceField) and hasattr(
            choice.queryset.model, "is_active"
        ):
            choice.queryset = choice.queryset.filter(is_active=True)
            if choice.queryset.model is CommodityType:
                choice.queryset = choice.queryset.select_related("area")


# The form classes that validate a case. A formset's form is a class of its own,
# made by the factory with fresh fields: each is restricted here, not through
# the form it was made from.
CASE_FORM_CLASSES = (CaseForm, LineFormSet.form, RouteFormSet.form, OffenderFormSet.form)
for _form in (*CASE_FORM_CLASSES, CommodityLineForm):
    _only_active_entries(_form)
# The forms a validation batch binds (each formset also binds a management form).
for _form in (*CASE_FORM_CLASSES, ManagementForm):
    _form.base_fields = BatchSharedFields(_form.base_fields)


class SimplifiedCaseForm(NullCharacterMixin, forms.Form):
    """The minimum a statistician needs, for members that report little. It is
    turned into the full form's data and validated there."""

    seizure_date = forms.DateField(label=_("Date of seizure"), widget=DATE_WIDGET)
    country = CaseForm.base_fields["country"]
    abroad_reason = CaseForm.base_fields["abroad_reason"]
    commodity_type = forms.ModelChoiceField(
        label=_("Commodity"), queryset=CommodityType.objects.filter(is_active=True)
    )
    quantity = CommodityLineForm.base_fields["quantity"]
    quantity_not_recorded = CommodityLineForm.base_fields["quantity_not_recorded"]
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    transport_mode = forms.ModelChoiceField(
        label=_("Transport mode"), queryset=TransportMode.objects.filter(is_active=True)
    )
    detection_method = forms.ModelChoiceField(
        label=_("Detection method"), queryset=DetectionMethod.objects.filter(is_active=True)
    )
    national_reference = CaseForm.base_fields["national_reference"]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The officer sees this reason and corrects the case."),
    )


class QualityFlagForm(forms.Form):
    message = forms.CharField(
        label=_("Data-quality problem"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The reporting administration sees this message on the case."),
    )


def vocabulary_form_class(model):
    """A form for one vocabulary entry: its code (fixed once created, since
    data and exports refer to it), its label in every language, and the
    model's own fields."""
    from django.conf import settings

    label_fields = [f"label_{code}" for code, _name in settings.LANGUAGES]
    extra = [
        f.name
        for f in model._meta.concrete_fields
        if f.name not in ("id", "code", "label", "order", "is_active")
        and not f.name.startswith("label_")
    ]

    class VocabularyForm(forms.ModelForm):
        class Meta:
            fields = ["code", *label_fields, *extra, "order", "is_active"]

        Meta.model = model

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["label_en"].required = True
            if self.instance.pk:
                self.fields["code"].disabled = True

        def clean_code(self):
            code = self.cleaned_data["code"].strip().upper().replace(" ", "_")
            if not re.fullmatch(r"[A-Z0-9_]{1,40}", code):
                raise forms.ValidationError(_("Use capital letters, digits and underscores."))
            return code

    return VocabularyForm


def _clean_query(form) -> str:
    from .search.forms import normalised_query

    return normalised_query(form.cleaned_data.get("query", ""))


class ExportForm(forms.Form):
    bound_field_class = BootstrapBoundField  # drawn with seizures/_field.html

    query = forms.CharField(required=False, widget=forms.HiddenInput)
    layout = forms.ChoiceField(label=_("Rows"), choices=ExportLayout.choices)
    columns = forms.ChoiceField(label=_("Columns"), choices=ExportColumns.choices)
    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices)

    clean_query = _clean_query


class SavedSearchForm(forms.Form):
    bound_field_class = BootstrapBoundField  # drawn with seizures/_field.html

    query = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=100)
    is_watch = forms.BooleanField(
        label=_("Watch list: e-mail me new validated cases daily"), required=False
    )

    clean_query = _clean_query


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("The filled template (.xlsx), or its Cases sheet saved as CSV (UTF-8)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, workflows: list[str], **kwargs):
        """``workflows``: what the user may have the import do with its cases
        (imports/service.py ``upload_workflows_for``); asked only when there is
        more than drafts."""
        super().__init__(*args, **kwargs)
        if len(workflows) > 1:
            self.fields["workflow"] = forms.ChoiceField(
                label=_("On import"),
                choices=[(value, UploadWorkflow(value).label) for value in workflows],
                initial=UploadWorkflow.DRAFT,
                required=False,  # not chosen: drafts
                widget=forms.RadioSelect,
                help_text=_(
                    "Validated cases count in the statistics at once. Each case's history "
                    "and the audit log record the step."
                ),
            )

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.")
                % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class UploadConventionForm(forms.Form):
    """One column of an upload, and how to read it (see imports/conventions.py)."""

    column = forms.CharField(max_length=40)
    reading = forms.CharField(max_length=3, strip=False)


class UploadConfirmForm(forms.Form):
    existing = forms.ChoiceField(
        label=_("Cases already known by their national reference"),
        choices=UploadExisting.choices,
        initial=UploadExisting.UPDATE,
        widget=forms.RadioSelect,
    )


class MappingForm(forms.Form):
    """Which template column each column of a file is, and which entry each of its
    unknown values is; for an upload's mapping and for a saved profile alike.
    ``questions``: {template column key: [{"value", "count", "suggested"}]}."""

    profile_name = forms.CharField(
        label=_("Save as the profile"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_(
            "Give a name to reuse this mapping for every file with the same headers; "
            "the other uploaders of your administration can use it too."
        ),
    )

    def __init__(
        self,
        *args,
        headers,
        columns,
        samples=(),
        questions=None,
        profile_name="",
        template=False,
        offenders=None,
        **kw,
    ):
        """``template``: the file's headers are the template's own; only its values
        are mapped (no column is asked about). ``offenders``: the Offenders sheet's
        own headers, {"headers", "samples", "columns" or "suggested"}, if it has."""
        # Imported here: the imports package imports this module (validation_batch).
        from .imports.columns import CASE_SHEET_COLUMNS, OFFENDER_COLUMNS
        from .imports.mapping import SPLITS, value_choices

        super().__init__(*args, **kw)
        self.fields["profile_name"].initial = profile_name
        targets = [("", _("— ignore this column —"))] + [
            (column.key, f"{column.label} *" if column.required else str(column.label))
            for column in CASE_SHEET_COLUMNS
        ]
        self.column_rows = []
        self.template = template
        for index, header in enumerate([] if template else headers):
            chosen = columns[index] if index < len(columns) else {}
            also = (chosen.get("also") or [{}])[0]
            self.fields[f"column-{index}"] = forms.ChoiceField(
                label=header or _("Column %(number)s") % {"number": index + 1},
                choices=targets,
                required=False,
                initial=chosen.get("key", ""),
            )
            self.fields[f"split-{index}"] = forms.ChoiceField(
                label=_("Read"), choices=SPLITS, required=False, initial=chosen.get("split", "")
            )
            # A second template column from the same cell ("Lagos, Nigeria": the
            # place from its first part, the country from its last).
            self.fields[f"also-{index}"] = forms.ChoiceField(
                label=_("It also gives"),
                choices=[("", _("— nothing else —")), *targets[1:]],
                required=False,
                initial=also.get("key", ""),
            )
            self.fields[f"also-split-{index}"] = forms.ChoiceField(
                label=_("Read"), choices=SPLITS, required=False, initial=also.get("split", "")
            )
            self.column_rows.append(
                (
                    header,
                    samples[index] if index < len(samples) else [],
                    self[f"column-{index}"],
                    self[f"split-{index}"],
                    self[f"also-{index}"],
                    self[f"also-split-{index}"],
                )
            )
        self._headers = [] if template else headers
        offenders = offenders or {}
        self._offender_headers = offenders.get("headers") or []
        chosen_offenders = offenders.get("columns") or [
            {"key": key} for key in offenders.get("suggested") or []
        ]
        offender_samples = offenders.get("samples") or []
        offender_targets = [("", _("— ignore this column —"))] + [
            (column.key, f"{column.label} *" if column.required else str(column.label))
            for column in OFFENDER_COLUMNS
        ]
        self.offender_rows = []
        for index, header in enumerate(self._offender_headers):
            chosen = chosen_offenders[index] if index < len(chosen_offenders) else {}
            name = f"offender-column-{index}"
            self.fields[name] = forms.ChoiceField(
                label=header or _("Column %(number)s") % {"number": index + 1},
                choices=offender_targets,
                required=False,
                initial=chosen.get("key", ""),
            )
            samples_here = offender_samples[index] if index < len(offender_samples) else []
            self.offender_rows.append((header, samples_here, self[name]))
        self._questions = questions or {}
        self.value_groups = []
        # In the template's order (PostgreSQL's jsonb keeps its own order of keys).
        for column in CASE_SHEET_COLUMNS:
            asked = self._questions.get(column.key)
            if not asked:
                continue
            key = column.key
            choices = [("", _("— none: leave it as it is —")), *value_choices(column)]
            rows = []
            for number, question in enumerate(asked):
                name = f"value-{key}-{number}"
                self.fields[name] = forms.ChoiceField(
                    label=question["value"],
                    choices=choices,
                    required=False,
                    initial=question.get("suggested") or "",
                )
                rows.append((question, self[name]))
            self.value_groups.append((column.label, rows))

    def clean(self):
        from .imports.mapping import column_map_problems

        cleaned = super().clean()
        if not self.template:
            for problem in column_map_problems(self.columns()):
                self.add_error(None, problem)
        if self._offender_headers:
            for problem in column_map_problems(self.offender_columns(), sheet="offenders"):
                self.add_error(None, problem)
        return cleaned

    def offender_columns(self) -> list[dict] | None:
        """The map of the Offenders sheet's own headers; None when it has none."""
        if not self._offender_headers:
            return None
        data = getattr(self, "cleaned_data", {})
        return [
            {"key": data.get(f"offender-column-{index}") or "", "split": ""}
            for index in range(len(self._offender_headers))
        ]

    def columns(self) -> list[dict]:
        """One choice per header, with "also" only where a second column is chosen
        (so a map without one reads as those stored before it existed). Empty for
        a file with the template's own headers."""
        data = getattr(self, "cleaned_data", {})
        columns = []
        for index in range(len(self._headers)):
            choice = {
                "key": data.get(f"column-{index}") or "",
                "split": data.get(f"split-{index}") or "",
            }
            if data.get(f"also-{index}"):
                choice["also"] = [
                    {"key": data[f"also-{index}"], "split": data.get(f"also-split-{index}") or ""}
                ]
            columns.append(choice)
        return columns

    def values(self) -> dict:
        """{template column key: {normalised file value: code, or None}}."""
        from .imports.columns import normalise

        found = {}
        for key, asked in self._questions.items():
            for number, question in enumerate(asked):
                name = f"value-{key}-{number}"
                if name in self.fields:
                    answer = self.cleaned_data.get(name) or None
                    found.setdefault(key, {})[normalise(question["value"])] = answer
        return found
