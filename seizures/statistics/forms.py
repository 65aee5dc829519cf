from django import forms
from django.utils.translation import gettext_lazy as _

MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class TrendPeriodForm(forms.Form):
    """The trends' period: ``months`` whole months ending with the month ``end``."""

    end = forms.DateField(
        label=_("Last month of the period"),
        required=False,
        widget=MONTH,
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    months = forms.IntegerField(
        label=_("Months in the period"),
        required=False,
        min_value=1,
        max_value=60,
        help_text=_("Compared with as many months just before."),
    )
