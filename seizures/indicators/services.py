"""Writes for risk indicators: plain functions, atomic, keyword-only.

Creating, sharing and deleting an indicator is not audited, as saving a search
is not: an indicator holds filters over cases that every member already reads.
Its exports are audited, as every export is."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from accounts.models import Administration, AuditAction, User
from accounts.services import audit_event_create

from ..models import IndicatorSharing, RiskIndicator, SavedSearch
from ..services import saved_search_save
from .selectors import can_build_risk_indicators

NAME_LENGTH = SavedSearch._meta.get_field("name").max_length


def _save(*, indicator: RiskIndicator, shared_with) -> RiskIndicator:
    indicator.full_clean()
    indicator.save()
    chosen = indicator.sharing == IndicatorSharing.ADMINISTRATIONS
    indicator.shared_with.set(shared_with if chosen else [])
    return indicator


@transaction.atomic
def risk_indicator_create(
    *,
    user: User,
    name: str,
    description: str,
    query: str,
    sharing: str,
    shared_with: list[Administration] | None = None,
) -> RiskIndicator:
    """A new indicator owned by ``user`` and their administration. Raises
    ValidationError when the filters are not a search or are empty."""
    if not can_build_risk_indicators(user):
        raise PermissionDenied
    indicator = RiskIndicator(
        name=name,
        description=description,
        query=query,
        sharing=sharing,
        owner=user,
        administration=user.administration,
    )
    return _save(indicator=indicator, shared_with=shared_with or [])


@transaction.atomic
def risk_indicator_update(
    *,
    indicator: RiskIndicator,
    name: str,
    description: str,
    query: str,
    sharing: str,
    shared_with: list[Administration] | None = None,
) -> RiskIndicator:
    indicator.name, indicator.description = name, description
    indicator.query, indicator.sharing = query, sharing
    return _save(indicator=indicator, shared_with=shared_with or [])


def risk_indicator_delete(*, indicator: RiskIndicator) -> None:
    indicator.delete()


def _free_name(user: User, name: str) -> str:
    """``name``, or ``name (2)``, ``name (3)``… the first the user has not used."""
    taken = set(SavedSearch.objects.filter(user=user).values_list("name", flat=True))
    candidate, number = name[:NAME_LENGTH], 1
    while candidate in taken:
        number += 1
        suffix = f" ({number})"
        candidate = name[: NAME_LENGTH - len(suffix)] + suffix
    return candidate


@transaction.atomic
def risk_indicator_watch(*, user: User, indicator: RiskIndicator) -> SavedSearch:
    """A watch list of the indicator's filters for ``user``: its newly validated
    cases e-mailed daily. Never replaces a saved search of the same name."""
    return saved_search_save(
        user=user, name=_free_name(user, indicator.name), query=indicator.query, is_watch=True
    )


def risk_indicator_exported(*, request: HttpRequest, indicator: RiskIndicator, kind: str) -> None:
    """Audit one export of an indicator's profile (``kind``: "xlsx" or "print")."""
    audit_event_create(
        action=AuditAction.EXPORT_CREATED,
        request=request,
        actor=request.user,
        administration=request.user.administration,
        target=indicator,
        details={"risk_indicator": indicator.pk, "query": indicator.query, "format": kind},
    )
