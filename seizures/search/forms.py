import html

from django import forms
from django.http import QueryDict
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import Administration, Region

from ..models import (
    CaseStatus,
    CommodityArea,
    CommodityType,
    ConcealmentMethod,
    DetectionMethod,
    LocationType,
    OffenceType,
    TransportMode,
)
from .choices import VOCABULARY_FILTERS, search_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


ROUTE_ROLES = [
    ("", _("anywhere on the route")),
    ("departure", _("as departure")),
    ("transit", _("as transit")),
    ("destination", _("as destination")),
]
SORTS = [
    ("-date", _("Newest first")),
    ("date", _("Oldest first")),
    ("reference", _("Reference")),
    ("country", _("Country")),
]


def _escaped(key, label) -> tuple[str, str, str]:
    key = str(key)
    return key, html.escape(key), html.escape(str(label))


class QuickSelect(forms.Select):
    """A select whose options are written in Python. Django draws each option
    through a template of its own, which for the search form's 1,150 options
    was most of the search page's time. Flat choices only (no groups)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        # The attributes as Django's attrs.html writes them: in order, True bare.
        parts = [f'<select name="{html.escape(name)}"']
        for attribute, setting in attrs.items():
            if setting is True:
                parts.append(f" {attribute}")
            elif setting is not False:
                parts.append(f' {attribute}="{html.escape(str(setting))}"')
        parts.append(">")
        if isinstance(self.choices, ListedChoices):
            options = self.choices.escaped()
        else:
            options = [_escaped(key, label) for key, label in self.choices]
        for key, value, label in options:
            selected = " selected" if key in chosen else ""
            parts.append(f'<option value="{value}"{selected}>{label}</option>')
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every name, value and label escaped)


class QuickSelectMultiple(QuickSelect, forms.SelectMultiple):
    """The same for a multiple choice."""


class ListedChoices(BaseChoiceIterator):
    """Choices already listed as (value, label) strings (from the cache), which
    a field or widget takes as they are instead of checking each again."""

    def __init__(self, choices: list[tuple[str, str]]):
        self.choices = choices
        self._escaped = None

    def __iter__(self):
        return iter(self.choices)

    def escaped(self) -> list[tuple[str, str, str]]:
        """(value, value escaped, label escaped) of each choice, escaped once for
        every select that lists them (the countries on the route: three)."""
        if self._escaped is None:
            self._escaped = [_escaped(key, label) for key, label in self.choices]
        return self._escaped


class ReadChoices(BaseChoiceIterator):
    """A model choice field's options read with one plain query when drawn.
    Django's own iterator reads them through a server-side cursor, three
    statements on PostgreSQL (declare, fetch, close) for a dozen rows."""

    def __init__(self, field: forms.ModelChoiceField):
        self.field = field

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for entry in self.field.queryset.all():
            yield (str(entry.pk), self.field.label_from_instance(entry))


class BootstrapBoundField(forms.BoundField):
    """Bootstrap's class on each widget, and "is-invalid" on one with an error, for
    the field template that replaces crispy's on the search page
    (seizures/_field.html)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        attrs["class"] = f"{css} is-invalid" if self.errors else css
        return attrs


def normalised_query(query: str) -> str:
    """A search's query string re-encoded, without its page token: only
    parameters survive, in a form fit to store or to put in a URL."""
    params = QueryDict(query, mutable=True)
    params.pop("after", None)
    return params.urlencode()


class CaseSearchForm(forms.Form):
    """Every filter of the case search. All of it travels in the URL."""

    bound_field_class = BootstrapBoundField

    q = forms.CharField(label=_("Text"), required=False, max_length=200)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    administration = forms.ModelChoiceField(
        label=_("Reporting administration"),
        queryset=Administration.objects.filter(is_secretariat=False),
        required=False,
        widget=QuickSelect,
    )
    country = forms.MultipleChoiceField(
        label=_("Country of seizure"), required=False, widget=QuickSelectMultiple
    )
    region = forms.ChoiceField(
        label=_("WCO region"),
        choices=[("", "—"), *Region.choices],
        required=False,
        widget=QuickSelect,
    )
    route_country = forms.ChoiceField(
        label=_("Country on the route"), required=False, widget=QuickSelect
    )
    route_role = forms.ChoiceField(
        label=_("Where on the route"), choices=ROUTE_ROLES, required=False, widget=QuickSelect
    )
    # With both, a route: the case departed from one and was bound for the other.
    departure = forms.ChoiceField(
        label=_("Country of departure"), required=False, widget=QuickSelect
    )
    destination = forms.ChoiceField(
        label=_("Country of destination"), required=False, widget=QuickSelect
    )
    area = forms.ModelChoiceField(
        label=_("Commodity area"),
        queryset=CommodityArea.objects.all(),
        required=False,
        widget=QuickSelect,
    )
    commodity_type = forms.ModelMultipleChoiceField(
        label=_("Commodity"),
        queryset=CommodityType.objects.all(),
        required=False,
        widget=QuickSelectMultiple,
    )
    hs_prefix = forms.RegexField(
        label=_("HS code starts with"), regex=r"^\d{2,10}$", required=False
    )
    quantity_min = forms.DecimalField(
        label=_("Quantity from"),
        required=False,
        min_value=0,
        help_text=_("In kg, litres, pieces or heads, whatever unit was entered."),
    )
    quantity_max = forms.DecimalField(label=_("Quantity to"), required=False, min_value=0)
    transport_mode = forms.ModelMultipleChoiceField(
        label=_("Transport mode"),
        queryset=TransportMode.objects.all(),
        required=False,
        widget=QuickSelectMultiple,
    )
    detection_method = forms.ModelMultipleChoiceField(
        label=_("Detection method"),
        queryset=DetectionMethod.objects.all(),
        required=False,
        widget=QuickSelectMultiple,
    )
    concealment = forms.ModelChoiceField(
        label=_("Concealment"),
        queryset=ConcealmentMethod.objects.all(),
        required=False,
        widget=QuickSelect,
    )
    offence_type = forms.ModelChoiceField(
        label=_("Offence"), queryset=OffenceType.objects.all(), required=False, widget=QuickSelect
    )
    location_type = forms.ModelChoiceField(
        label=_("Location type"),
        queryset=LocationType.objects.all(),
        required=False,
        widget=QuickSelect,
    )
    status = forms.ChoiceField(
        widget=QuickSelect,
        label=_("Status"),
        choices=[("", _("Submitted or validated")), *CaseStatus.choices],
        required=False,
    )
    has_photos = forms.BooleanField(label=_("With photos only"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False, widget=QuickSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = search_choices()
        self.fields["country"].choices = ListedChoices(choices["country"])
        on_route = ListedChoices([("", "—"), *choices["country"]])
        for name in ("route_country", "departure", "destination"):
            self.fields[name].choices = on_route
        for name in VOCABULARY_FILTERS:
            field = self.fields[name]
            empty = [] if field.empty_label is None else [("", field.empty_label)]
            # Only what is drawn: the field still checks a choice against its queryset.
            field.widget.choices = ListedChoices([*empty, *choices[name]])
        # Not cached (choices.py): edited in the accounts app.
        self.fields["administration"].widget.choices = ReadChoices(self.fields["administration"])

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        low, high = data.get("quantity_min"), data.get("quantity_max")
        if low is not None and high is not None and low > high:
            self.add_error("quantity_max", _("The upper quantity is below the lower one."))
        return data


def filter_is_set(value) -> bool:
    """Whether a cleaned search filter narrows the search: not empty, and a
    choice of vocabulary entries not empty either."""
    if value is None or value is False or value == "":
        return False
    if hasattr(value, "exists"):  # a queryset of vocabulary entries
        return value.exists()
    return not isinstance(value, list | tuple) or bool(value)


def filters_in_words(form: CaseSearchForm) -> list[tuple[str, str]]:
    """(label, value in words) for every filter a valid search form sets: what the
    export's filter sheet and the risk indicators show of a search."""
    described = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if not filter_is_set(value):
            continue
        if hasattr(value, "all") or isinstance(value, list | tuple):
            choices = dict(getattr(field, "choices", []))
            text = ", ".join(str(choices.get(item, item)) for item in value)
        elif hasattr(field, "choices") and not hasattr(value, "pk"):
            text = str(dict(field.choices).get(value, value))
        else:
            text = str(value)
        described.append((str(field.label), text))
    return described
