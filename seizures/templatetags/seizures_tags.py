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


@register.simple_tag
def form_field(field):
    """One form field as seizures/_field.html draws it (label, widget, errors, help
    text), the same HTML, written in Python: the search page draws about thirty,
    and a template include per field was a good part of its rendering."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    if field.is_hidden:
        return mark_safe(f"\n{field}\n")  # noqa: S308 (the widget escapes its values)
    auto_id = conditional_escape(field.auto_id)
    label = conditional_escape(field.label)
    required = field.field.required
    marked = " requiredField" if required else ""
    asterisk = '<span class="asteriskField">*</span>' if required else ""
    checkbox = field.widget_type == "checkbox"
    if checkbox:
        start = (
            f'<div class="mb-3"><div id="div_{auto_id}" class="form-check">{field}'
            f'<label for="{auto_id}" class="form-check-label{marked}">{label}{asterisk}</label>'
        )
    else:
        start = (
            f'<div id="div_{auto_id}" class="mb-3">'
            f'<label for="{auto_id}" class="form-label{marked}">{label}{asterisk}</label>{field}'
        )
    errors = ""
    if field.errors:
        listed = "".join(
            f'<p id="error_{number}_{auto_id}"><strong>{conditional_escape(error)}</strong></p>'
            for number, error in enumerate(field.errors, start=1)
        )
        errors = f'<div id="{auto_id}_error" class="invalid-feedback">{listed}</div>'
    help_text = ""
    if field.help_text:
        help_text = (
            f'<div id="{auto_id}_helptext" class="form-text">'
            f"{conditional_escape(field.help_text)}</div>"
        )
    end = "</div></div>" if checkbox else "</div>"
    return mark_safe(f"\n{start}\n{errors}\n{help_text}\n{end}\n")  # noqa: S308 (escaped)
