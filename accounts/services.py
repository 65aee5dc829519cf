"""Writes for accounts: every function is atomic and leaves its audit event."""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from cen_suite.cache import CACHE_ERRORS
from cen_suite.queueing import task_enqueue_recorded

from . import tasks
from .models import (
    Administration,
    ApiKey,
    AuditAction,
    AuditEvent,
    AuditOutcome,
    BackupCode,
    BackupCodeDevice,
    PasswordExpiryNotice,
    PasswordHistory,
    Role,
    User,
    hash_api_key,
    hash_backup_code,
    new_security_stamp,
)

SESSION_AUTH_TIME = "cen_auth_time"
SESSION_LAST_SEEN = "cen_last_seen"
SESSION_NEW_BACKUP_CODES = "cen_new_backup_codes"
SESSION_OTP_FAILURES = "cen_otp_failures"

# Never let one of these reach the append-only log, whoever passes it.
SECRET_DETAIL_KEYS = frozenset(
    {
        "password",
        "password1",
        "password2",
        "old_password",
        "new_password",
        "new_password1",
        "new_password2",
        "token",
        "otp_token",
        "backup_code",
        "backup_codes",
        "session_key",
        "sessionid",
        "secret",
        "secret_key",
        "api_key",
    }
)


def _without_secrets(value):
    """The details as they can be stored: no secret, and no NUL character (a
    hostile search's filters are audited as typed, but PostgreSQL's jsonb refuses
    U+0000; it is kept visible as U+FFFD)."""
    if isinstance(value, dict):
        return {
            _without_secrets(key): _without_secrets(item)
            for key, item in value.items()
            if str(key).lower() not in SECRET_DETAIL_KEYS
        }
    if isinstance(value, list | tuple):
        return [_without_secrets(item) for item in value]
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    return value


def _client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit_event_create(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor: User | None = None,
    administration: Administration | None = None,
    target: models.Model | None = None,
    outcome: str = AuditOutcome.SUCCESS,
    details: dict | None = None,
) -> AuditEvent:
    """Append one event to the audit log.

    ``actor`` defaults to the request's user; ``administration`` to the
    administration the event concerns (the target user's, else the actor's).
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if administration is None:
        if isinstance(target, User):
            administration = target.administration
        elif isinstance(target, Administration):
            administration = target
        elif actor is not None:
            administration = actor.administration
    clean_details = _without_secrets(details or {})
    return AuditEvent.objects.create(
        actor=actor,
        actor_email=actor.email if actor is not None else clean_details.get("email", ""),
        administration=administration,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        ip_address=_client_ip(request),
        outcome=outcome,
        details=clean_details,
    )


def audit_events_create_many(events: list[dict]) -> None:
    """Append many events at once (a batch of cases): each dict takes the keyword
    arguments of ``audit_event_create``; written with one bulk insert."""
    rows = []
    for event in events:
        actor, target = event.get("actor"), event.get("target")
        details = _without_secrets(event.get("details") or {})
        rows.append(
            AuditEvent(
                actor=actor,
                actor_email=actor.email if actor is not None else "",
                administration=event.get("administration")
                or (actor.administration if actor is not None else None),
                action=event["action"],
                object_type=target._meta.label_lower if target is not None else "",
                object_id=str(target.pk) if target is not None else "",
                ip_address=_client_ip(event.get("request")),
                outcome=event.get("outcome", AuditOutcome.SUCCESS),
                details=details,
            )
        )
    AuditEvent.objects.bulk_create(rows, batch_size=1000)


def audit_events_create_for(
    *, action: str, actor: User, targets, details: dict, administration=None
) -> None:
    """Append one event per object of ``targets`` (a queryset) with one
    ``INSERT … SELECT``: a bulk step on thousands of cases. ``details`` maps each
    key to a value or to an expression on the target (``F("reference")``); the
    keys are the caller's own, never a secret."""
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast, JSONObject

    from cen_suite.rows import rows_insert_from

    rows = targets.order_by("pk").annotate(
        a_created_at=Value(timezone.now()),
        a_actor=Value(actor.pk),
        a_actor_email=Value(actor.email),
        a_administration=Value((administration or actor.administration).pk),
        a_action=Value(action),
        a_object_type=Value(targets.model._meta.label_lower),
        a_object_id=Cast(F("pk"), CharField()),
        a_outcome=Value(AuditOutcome.SUCCESS.value),
        a_details=JSONObject(
            **{
                key: value if hasattr(value, "resolve_expression") else Value(value)
                for key, value in details.items()
            }
        ),
    )
    fields = {
        "created_at": "a_created_at",
        "actor": "a_actor",
        "actor_email": "a_actor_email",
        "administration": "a_administration",
        "action": "a_action",
        "object_type": "a_object_type",
        "object_id": "a_object_id",
        "outcome": "a_outcome",
        "details": "a_details",
    }
    rows_insert_from(model=AuditEvent, queryset=rows.values(*fields.values()), fields=fields)


# --- Login -------------------------------------------------------------------


def login_password_accepted(*, request: HttpRequest, user: User) -> None:
    """First step done: the session now knows the user, not yet verified."""
    auth_login(request, user)  # rotates the session key
    request.session.pop(SESSION_OTP_FAILURES, None)
    now = timezone.now().timestamp()
    request.session[SESSION_AUTH_TIME] = now
    request.session[SESSION_LAST_SEEN] = now
    audit_event_create(
        action=AuditAction.LOGIN_PASSWORD,
        request=request,
        actor=user,
        details={"factor": "password"},
    )


def login_failed(*, request: HttpRequest, email: str, locked_now: bool) -> None:
    user = User.objects.filter(email__iexact=email).select_related("administration").first()
    audit_event_create(
        action=AuditAction.LOGIN_FAILED,
        request=request,
        actor=user,
        target=user,
        outcome=AuditOutcome.FAILURE,
        details={"email": email, "factor": "password"},
    )
    if locked_now:
        audit_event_create(
            action=AuditAction.LOGIN_LOCKED,
            request=request,
            actor=user,
            target=user,
            outcome=AuditOutcome.DENIED,
            details={"email": email},
        )


def _mark_verified(request: HttpRequest, device) -> None:
    otp_login(request, device)
    request.session.cycle_key()


def otp_verify(*, request: HttpRequest, token: str) -> tuple[bool, int | None]:
    """Check a TOTP or backup code for the logged-in user.

    Returns (verified, seconds to wait) — the second is set when the devices
    are throttled after repeated failures.
    """
    user = request.user
    token = token.strip().replace(" ", "")
    # Route by shape, so that a backup code never counts as a failed TOTP code
    # (and the other way round) in the devices' throttling.
    device_model = TOTPDevice if token.isdigit() else BackupCodeDevice
    devices = list(device_model.objects.filter(user=user, confirmed=True))
    wait = None
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            locked_until = (info or {}).get("locked_until")
            if locked_until:
                remaining = int((locked_until - timezone.now()).total_seconds()) + 1
                wait = max(wait or 0, remaining)
            continue
        if device.verify_token(token):
            factor = "totp" if isinstance(device, TOTPDevice) else "backup_code"
            with transaction.atomic():
                _mark_verified(request, device)
                audit_event_create(
                    action=AuditAction.LOGIN_OTP, request=request, details={"factor": factor}
                )
            return True, None
    audit_event_create(
        action=AuditAction.LOGIN_OTP_FAILED,
        request=request,
        outcome=AuditOutcome.FAILURE,
        details={"factor": "otp", "throttled": wait is not None},
    )
    return False, wait


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The authenticator being enrolled: the same one across reloads of the page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Finish enrolment: the first code proves the app holds the secret."""
    if not device.verify_token(token.strip().replace(" ", "")):
        audit_event_create(
            action=AuditAction.LOGIN_OTP_FAILED,
            request=request,
            outcome=AuditOutcome.FAILURE,
            details={"factor": "totp", "enrolment": True},
        )
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _mark_verified(request, device)
    audit_event_create(action=AuditAction.OTP_ENROLLED, request=request, target=device.user)
    request.session[SESSION_NEW_BACKUP_CODES] = backup_codes_generate(
        user=device.user, request=request
    )
    return True


def _new_backup_code() -> str:
    # 10 characters of a 32-letter alphabet without look-alikes: 50 bits.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def backup_codes_generate(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """Replace the user's backup codes; the plain codes are returned once, stored hashed."""
    BackupCodeDevice.objects.filter(user=user).delete()
    device = BackupCodeDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [_new_backup_code() for _ in range(settings.OTP_BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(
        [BackupCode(device=device, code_hash=hash_backup_code(code)) for code in codes]
    )
    audit_event_create(
        action=AuditAction.BACKUP_CODES_GENERATED, request=request, actor=user, target=user
    )
    return codes


def logout(*, request: HttpRequest, reason: str = AuditAction.LOGOUT) -> None:
    if request.user.is_authenticated:
        audit_event_create(action=reason, request=request)
    auth_logout(request)


# --- Passwords ---------------------------------------------------------------


def _end_other_sessions(user: User) -> None:
    user.security_stamp = new_security_stamp()


@transaction.atomic
def user_set_password(
    *, user: User, password: str, request: HttpRequest | None = None, actor: User | None = None
) -> None:
    """Set a new password (already validated), remember it in the history and
    end the user's other sessions; the caller's own session stays valid."""
    user.set_password(password)
    user.password_changed_at = timezone.now()
    _end_other_sessions(user)
    user.save(update_fields=["password", "password_changed_at", "security_stamp"])
    PasswordHistory.objects.create(user=user, password=user.password)
    stale = user.password_history.values_list("id", flat=True)[settings.PASSWORD_HISTORY_COUNT :]
    PasswordHistory.objects.filter(id__in=list(stale)).delete()
    audit_event_create(
        action=AuditAction.PASSWORD_CHANGED,
        request=request,
        actor=actor or user,
        target=user,
    )
    if request is not None and request.user.is_authenticated and request.user.pk == user.pk:
        update_session_auth_hash(request, user)


logger = logging.getLogger(__name__)

PASSWORD_RESETS_PER_HOUR = 3


def password_reset_request(*, request: HttpRequest, email: str) -> None:
    """Self-service reset. Says nothing about whether the address exists, and
    sends at most a few e-mails an hour to one address."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    throttle_key = "password-reset:" + hashlib.sha256(email.encode()).hexdigest()
    try:
        cache.add(throttle_key, 0, timeout=3600)
        throttled = cache.incr(throttle_key) > PASSWORD_RESETS_PER_HOUR
    except CACHE_ERRORS as error:
        # Fails CLOSED: without the count, no e-mail is sent (the page still
        # answers, and says the same as always). Failing open would let anyone
        # flood an address with reset e-mails for as long as the cache is down;
        # the broker that would send them is usually the same Redis, down too.
        logger.warning("Password reset not sent, the cache is unreachable: %s", error)
        throttled = True
    if user is None:
        outcome = AuditOutcome.FAILURE
    elif throttled:
        outcome = AuditOutcome.DENIED
    else:
        outcome = AuditOutcome.SUCCESS
    audit_event_create(
        action=AuditAction.PASSWORD_RESET_REQUESTED,
        request=request,
        actor=user,
        target=user,
        outcome=outcome,
        details={"email": email},
    )
    if outcome == AuditOutcome.SUCCESS:
        task_enqueue_recorded(tasks.send_password_reset_email, user.pk, "reset")


def password_expiry_notices_send(*, now: datetime | None = None) -> int:
    """Send each user the 14-, 7- and 1-day notices before their password
    expires, once each. Safe to run more than once a day."""
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    if not max_age:
        return 0
    now = now or timezone.now()
    thresholds = sorted(settings.PASSWORD_EXPIRY_NOTICE_DAYS)
    horizon = now - timedelta(days=max_age - max(thresholds) - 1)
    candidates = User.objects.filter(
        is_active=True, password_changed_at__isnull=False, password_changed_at__lte=horizon
    ).select_related("administration")
    sent = 0
    for user in candidates.iterator():
        expires_at = user.password_expires_at()
        if expires_at <= now:
            continue  # expired: the user is made to change it at the next login
        days_left = (expires_at.date() - now.date()).days
        # The nearest threshold not yet passed; a missed day still gets a notice.
        due = next((t for t in thresholds if days_left <= t), None)
        if due is None:
            continue
        try:
            with transaction.atomic():
                PasswordExpiryNotice.objects.create(
                    user=user, password_changed_at=user.password_changed_at, days_before=due
                )
                audit_event_create(
                    action=AuditAction.PASSWORD_EXPIRY_NOTICE,
                    actor=user,
                    target=user,
                    details={"days_before": due, "expires_at": expires_at.isoformat()},
                )
                task_enqueue_recorded(tasks.send_password_expiry_email, user.pk, days_left)
        except IntegrityError:
            continue  # already sent for this password and threshold
        sent += 1
    return sent


# --- User administration ------------------------------------------------------


def _check_can_manage(actor: User, user: User | None = None) -> None:
    if not actor.can_manage_users:
        raise PermissionDenied
    if (
        user is not None
        and actor.is_national_admin
        and user.administration_id != actor.administration_id
    ):
        raise PermissionDenied


def _check_role_grant(actor: User, role: str, administration: Administration) -> None:
    if role == Role.WCO_STAFF and not actor.is_wco_staff:
        raise PermissionDenied(_("Only WCO staff can grant the WCO staff role."))
    if (role == Role.WCO_STAFF) != administration.is_secretariat:
        raise ValidationError(_("WCO staff belong to the WCO Secretariat, and only WCO staff do."))


@transaction.atomic
def user_create(
    *,
    actor: User,
    email: str,
    full_name: str,
    role: str,
    language: str,
    administration: Administration,
    request: HttpRequest | None = None,
) -> User:
    """Create a user with no usable password and e-mail them a link to set one."""
    _check_can_manage(actor)
    if actor.is_national_admin and administration.pk != actor.administration_id:
        raise PermissionDenied
    _check_role_grant(actor, role, administration)
    user = User(
        email=email.strip().lower(),
        full_name=full_name,
        role=role,
        language=language,
        administration=administration,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    audit_event_create(
        action=AuditAction.USER_CREATED,
        request=request,
        actor=actor,
        target=user,
        details={"email": user.email, "role": role},
    )
    task_enqueue_recorded(tasks.send_password_reset_email, user.pk, "welcome")
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    full_name: str,
    role: str,
    language: str,
    request: HttpRequest | None = None,
) -> User:
    _check_can_manage(actor, user)
    changes = {}
    if role != user.role:
        if actor.pk == user.pk:
            raise PermissionDenied(_("You cannot change your own role."))
        if user.role == Role.WCO_STAFF and not actor.is_wco_staff:
            raise PermissionDenied
        _check_role_grant(actor, role, user.administration)
        audit_event_create(
            action=AuditAction.USER_ROLE_CHANGED,
            request=request,
            actor=actor,
            target=user,
            details={"from": user.role, "to": role},
        )
        user.role = role
    for field, value in (("full_name", full_name), ("language", language)):
        if getattr(user, field) != value:
            changes[field] = {"from": getattr(user, field), "to": value}
            setattr(user, field, value)
    user.save(update_fields=["full_name", "role", "language"])
    if changes:
        audit_event_create(
            action=AuditAction.USER_UPDATED,
            request=request,
            actor=actor,
            target=user,
            details={"changes": changes},
        )
    return user


@transaction.atomic
def user_set_active(
    *, actor: User, user: User, active: bool, request: HttpRequest | None = None
) -> User:
    _check_can_manage(actor, user)
    if actor.pk == user.pk:
        raise PermissionDenied(_("You cannot disable your own account."))
    if user.role == Role.WCO_STAFF and not actor.is_wco_staff:
        raise PermissionDenied
    user.is_active = active
    if not active:
        _end_other_sessions(user)
    user.save(update_fields=["is_active", "security_stamp"])
    audit_event_create(
        action=AuditAction.USER_ENABLED if active else AuditAction.USER_DISABLED,
        request=request,
        actor=actor,
        target=user,
    )
    return user


@transaction.atomic
def user_otp_reset(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Remove every second factor: the user enrols again at the next login."""
    _check_can_manage(actor, user)
    if actor.pk == user.pk:
        raise PermissionDenied(_("Use your own account page to replace your second factor."))
    TOTPDevice.objects.filter(user=user).delete()
    BackupCodeDevice.objects.filter(user=user).delete()
    _end_other_sessions(user)
    user.save(update_fields=["security_stamp"])
    audit_event_create(action=AuditAction.OTP_RESET, request=request, actor=actor, target=user)


def user_password_reset_send(
    *, actor: User, user: User, request: HttpRequest | None = None
) -> None:
    _check_can_manage(actor, user)
    with transaction.atomic():
        audit_event_create(
            action=AuditAction.PASSWORD_RESET_SENT, request=request, actor=actor, target=user
        )
        task_enqueue_recorded(tasks.send_password_reset_email, user.pk, "reset")


def user_unlock(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    _check_can_manage(actor, user)
    with transaction.atomic():
        axes_reset(username=user.email.lower())
        audit_event_create(
            action=AuditAction.USER_UNLOCKED, request=request, actor=actor, target=user
        )


def user_language_set(*, user: User, language: str) -> None:
    if language != user.language:
        user.language = language
        user.save(update_fields=["language"])


# --- Administrations -----------------------------------------------------------


@transaction.atomic
def administration_save(
    *,
    actor: User,
    administration: Administration,
    request: HttpRequest | None = None,
) -> Administration:
    """Create or update a member administration (WCO staff only)."""
    if not actor.is_wco_staff:
        raise PermissionDenied
    created = administration.pk is None
    administration.full_clean()
    administration.save()
    audit_event_create(
        action=AuditAction.ADMINISTRATION_CREATED
        if created
        else AuditAction.ADMINISTRATION_UPDATED,
        request=request,
        actor=actor,
        target=administration,
        details={
            "name": administration.name,
            "country": str(administration.country),
            "active": administration.is_active,
        },
    )
    return administration


# --- API keys ------------------------------------------------------------------


@transaction.atomic
def api_key_create(
    *, actor: User, name: str, request: HttpRequest | None = None
) -> tuple[ApiKey, str]:
    """A new key for a system of the actor's administration. Returns the key and
    its secret, which is shown once and never stored."""
    if not actor.is_national_admin:
        raise PermissionDenied
    while True:
        prefix = secrets.token_hex(ApiKey.PREFIX_LENGTH // 2)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    secret = f"cen_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        administration=actor.administration,
        name=name,
        prefix=prefix,
        key_hash=hash_api_key(secret),
        created_by=actor,
    )
    audit_event_create(
        action=AuditAction.API_KEY_CREATED,
        request=request,
        actor=actor,
        target=key,
        administration=key.administration,
        details={"name": name, "prefix": prefix},
    )
    return key, secret


@transaction.atomic
def api_key_revoke(*, actor: User, key: ApiKey, request: HttpRequest | None = None) -> ApiKey:
    if not actor.is_national_admin or key.administration_id != actor.administration_id:
        raise PermissionDenied
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_event_create(
            action=AuditAction.API_KEY_REVOKED,
            request=request,
            actor=actor,
            target=key,
            administration=key.administration,
            details={"name": key.name, "prefix": key.prefix},
        )
    return key


def api_key_authenticate(*, secret: str) -> ApiKey | None:
    """The active key with this secret, or None. A key stops working when it is
    revoked, or when its administration or its creator is disabled."""
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != "cen":
        return None
    key = (
        ApiKey.objects.select_related("administration", "created_by__administration")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if key is None or not constant_time_compare(key.key_hash, hash_api_key(secret)):
        return None
    if not key.administration.is_active or not key.created_by.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
