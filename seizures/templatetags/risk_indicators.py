from django import template

from ..indicators.selectors import can_build_risk_indicators

register = template.Library()


@register.filter
def builds_risk_indicators(user) -> bool:
    """{% if user|builds_risk_indicators %}: the "make a risk indicator" buttons."""
    return can_build_risk_indicators(user)
