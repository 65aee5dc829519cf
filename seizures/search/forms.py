from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_countries import countries

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


def normalised_query(query: str) -> str:
    """A search's query string re-encoded, without its page token: only
    parameters survive, in a form fit to store or to put in a URL."""
    params = QueryDict(query, mutable=True)
    params.pop("after", None)
    return params.urlencode()


class CaseSearchForm(forms.Form):
    """Every filter of the case search. All of it travels in the URL."""

    q = forms.CharField(label=_("Text"), required=False, max_length=200)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    administration = forms.ModelChoiceField(
        label=_("Reporting administration"),
        queryset=Administration.objects.filter(is_secretariat=False),
        required=False,
    )
    country = forms.MultipleChoiceField(label=_("Country of seizure"), required=False)
    region = forms.ChoiceField(
        label=_("WCO region"), choices=[("", "—"), *Region.choices], required=False
    )
    route_country = forms.ChoiceField(label=_("Country on the route"), required=False)
    route_role = forms.ChoiceField(
        label=_("Where on the route"), choices=ROUTE_ROLES, required=False
    )
    # With both, a route: the case departed from one and was bound for the other.
    departure = forms.ChoiceField(label=_("Country of departure"), required=False)
    destination = forms.ChoiceField(label=_("Country of destination"), required=False)
    area = forms.ModelChoiceField(
        label=_("Commodity area"), queryset=CommodityArea.objects.all(), required=False
    )
    commodity_type = forms.ModelMultipleChoiceField(
        label=_("Commodity"), queryset=CommodityType.objects.all(), required=False
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
        label=_("Transport mode"), queryset=TransportMode.objects.all(), required=False
    )
    detection_method = forms.ModelMultipleChoiceField(
        label=_("Detection method"), queryset=DetectionMethod.objects.all(), required=False
    )
    concealment = forms.ModelChoiceField(
        label=_("Concealment"), queryset=ConcealmentMethod.objects.all(), required=False
    )
    offence_type = forms.ModelChoiceField(
        label=_("Offence"), queryset=OffenceType.objects.all(), required=False
    )
    location_type = forms.ModelChoiceField(
        label=_("Location type"), queryset=LocationType.objects.all(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Submitted or validated")), *CaseStatus.choices],
        required=False,
    )
    has_photos = forms.BooleanField(label=_("With photos only"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        country_choices = list(countries)
        self.fields["country"].choices = country_choices
        for name in ("route_country", "departure", "destination"):
            self.fields[name].choices = [("", "—"), *country_choices]

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
