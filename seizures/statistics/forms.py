import datetime

from django import forms
from django.utils import timezone
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

    def clean_end(self):
        end = self.cleaned_data.get("end")
        # The period before reaches back up to 120 months: keep both on the calendar.
        if end and not (
            datetime.date(1950, 1, 1) <= end <= timezone.localdate() + datetime.timedelta(days=366)
        ):
            raise forms.ValidationError(
                _("Choose a month between 1950 and next year."), code="out_of_range"
            )
        return end
