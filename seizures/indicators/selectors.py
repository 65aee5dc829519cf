"""Who sees and who changes which risk indicator.

- An analyst or WCO staff member builds indicators; they own what they build.
- A user sees their own indicators, those shared with their administration, and
  those shared with all members. A private indicator is its owner's alone.
- The owner changes and deletes an indicator, and so does a national admin of
  the owning administration, who manages that administration's users and work,
  for the indicators they can see.
- Anything else is a 404, as for another administration's records.
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Role, User

from ..models import IndicatorSharing, RiskIndicator

INDICATOR_BUILDERS = (Role.ANALYST, Role.WCO_STAFF)


def can_build_risk_indicators(user: User) -> bool:
    return user.is_authenticated and user.role in INDICATOR_BUILDERS


def risk_indicators_visible(user: User) -> QuerySet[RiskIndicator]:
    """Every indicator ``user`` may read."""
    shared_with_administration = Q(
        sharing=IndicatorSharing.ADMINISTRATIONS, shared_with=user.administration_id
    )
    visible = Q(owner=user) | Q(sharing=IndicatorSharing.ALL) | shared_with_administration
    # The many-to-many join can repeat a row; the pk subquery keeps one of each.
    ids = RiskIndicator.objects.filter(visible).values("pk")
    return RiskIndicator.objects.filter(pk__in=ids).select_related("owner", "administration")


def risk_indicators_editable(user: User) -> QuerySet[RiskIndicator]:
    """The visible indicators ``user`` may change or delete."""
    mine = Q(owner=user)
    if user.role == Role.NATIONAL_ADMIN:
        mine |= Q(administration_id=user.administration_id)
    return risk_indicators_visible(user).filter(mine)


def risk_indicator_get(*, user: User, pk: int) -> RiskIndicator:
    return get_object_or_404(risk_indicators_visible(user), pk=pk)


def risk_indicator_get_for_edit(*, user: User, pk: int) -> RiskIndicator:
    return get_object_or_404(risk_indicators_editable(user), pk=pk)


def risk_indicator_builder_check(user: User) -> None:
    """Only analysts and WCO staff build indicators; to anyone else the page does not exist."""
    if not can_build_risk_indicators(user):
        raise Http404
