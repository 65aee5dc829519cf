from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def quantity(value):
    """12.500 → "12.5", 10000.000 → "10,000" (in the active language's format)."""
    if value is None or value == "":
        return ""
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    decimals = len(text.partition(".")[2])
    return number_format(Decimal(text), decimal_pos=decimals, force_grouping=True)


@register.filter
def case_field_label(name: str) -> str:
    """The translated label of a case field named in the history."""
    from django.core.exceptions import FieldDoesNotExist
    from django.utils.translation import gettext as _

    from seizures.models import Case

    special = {"lines": _("commodity lines"), "route": _("route")}
    if name in special:
        return special[name]
    try:
        return str(Case._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


@register.filter
def takes_bulk_steps(user) -> bool:
    """{% if user|takes_bulk_steps %}: the link to submit or validate many cases."""
    from ..services.bulk import bulk_steps_for

    return bool(bulk_steps_for(user))
