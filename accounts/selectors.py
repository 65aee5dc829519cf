"""Reads for accounts. Every queryset of records is scoped to the user asking."""

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Administration, ApiKey, AuditAction, AuditEvent, BackupCodeDevice, User


def user_list(*, actor: User) -> QuerySet[User]:
    """The users ``actor`` may manage: everyone for WCO staff, their own
    administration's users for a national admin."""
    users = User.objects.select_related("administration")
    if actor.is_wco_staff:
        return users
    if actor.is_national_admin:
        return users.filter(administration_id=actor.administration_id)
    raise PermissionDenied


def user_get(*, actor: User, pk: int) -> User:
    # Another administration's user is a 404, never a 403.
    return get_object_or_404(user_list(actor=actor), pk=pk)


def user_is_locked(*, user: User) -> bool:
    cutoff = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        username=user.email.lower(),
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=cutoff,
    ).exists()


def administration_list(*, actor: User) -> QuerySet[Administration]:
    if not actor.is_wco_staff:
        raise PermissionDenied
    return Administration.objects.all()


def administration_get(*, actor: User, pk: int) -> Administration:
    return get_object_or_404(administration_list(actor=actor), pk=pk)


def audit_event_list(*, actor: User) -> QuerySet[AuditEvent]:
    """WCO staff read the whole log; a national admin their administration's."""
    events = AuditEvent.objects.select_related("administration")
    if actor.is_wco_staff:
        return events
    if actor.is_national_admin:
        return events.filter(administration_id=actor.administration_id)
    raise PermissionDenied


def recent_logins(*, user: User, limit: int = 5) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        actor=user, action__in=[AuditAction.LOGIN_OTP, AuditAction.LOGIN_FAILED]
    )[:limit]


def backup_codes_left(*, user: User) -> int:
    device = BackupCodeDevice.objects.filter(user=user).first()
    return device.remaining() if device else 0


def user_has_authenticator(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def api_key_list(*, actor: User) -> QuerySet[ApiKey]:
    """The API keys of a national admin's administration."""
    if not actor.is_national_admin:
        raise PermissionDenied
    return ApiKey.objects.filter(administration_id=actor.administration_id).select_related(
        "created_by"
    )


def api_key_get(*, actor: User, pk: int) -> ApiKey:
    return get_object_or_404(api_key_list(actor=actor), pk=pk)
