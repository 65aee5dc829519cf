from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Administration

from ..models import IndicatorSharing, RiskIndicator


class RiskIndicatorForm(forms.ModelForm):
    """Name, rationale and sharing; the filters come from the search form beside it."""

    class Meta:
        model = RiskIndicator
        fields = ["name", "description", "sharing", "shared_with"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "sharing": forms.RadioSelect,
            "shared_with": forms.SelectMultiple(attrs={"size": 8}),
        }
        help_texts = {
            "shared_with": _("When shared with chosen administrations: which ones."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shared_with"].queryset = Administration.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("sharing") == IndicatorSharing.ADMINISTRATIONS and not data.get("shared_with"):
            self.add_error("shared_with", _("Choose at least one administration to share with."))
        return data
