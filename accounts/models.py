import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_otp.models import Device, ThrottlingMixin

# The Secretariat's name as the migration that creates it writes it, in English.
SECRETARIAT_NAME = "WCO Secretariat"


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class Region(models.TextChoices):
    """The six regions of the World Customs Organization."""

    ESA = "ESA", _("East and Southern Africa")
    EUR = "EUR", _("Europe")
    AP = "AP", _("Far East, South and South East Asia, Australasia and the Pacific Islands")
    MENA = "MENA", _("North of Africa, Near and Middle East")
    AMS = "AMS", _("South America, North America, Central America and the Caribbean")
    WCA = "WCA", _("West and Central Africa")


class Administration(models.Model):
    """A member customs administration, or the WCO Secretariat (exactly one)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = CountryField(_("country"), blank=True)
    region = models.CharField(_("WCO region"), max_length=4, choices=Region.choices, blank=True)
    is_secretariat = models.BooleanField(_("WCO Secretariat"), default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("administration")
        verbose_name_plural = _("administrations")
        constraints = [
            models.UniqueConstraint(
                fields=["is_secretariat"],
                condition=models.Q(is_secretariat=True),
                name="one_wco_secretariat",
            ),
            models.UniqueConstraint(
                fields=["country"],
                condition=models.Q(is_secretariat=False),
                name="one_administration_per_country",
            ),
            models.CheckConstraint(
                condition=models.Q(is_secretariat=True)
                | ~models.Q(country="") & ~models.Q(region=""),
                name="member_administration_has_country_and_region",
            ),
        ]

    def __str__(self):
        # A member's name is its own, in its own words; the Secretariat's is the
        # interface's, in every language (unless WCO staff have renamed it).
        if self.is_secretariat and self.name == SECRETARIAT_NAME:
            return gettext("WCO Secretariat")
        return self.name


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    ANALYST = "analyst", _("Analyst")
    NATIONAL_ADMIN = "national_admin", _("National administrator")
    WCO_STAFF = "wco_staff", _("WCO staff")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("role", Role.WCO_STAFF)
        fields.setdefault("administration", Administration.objects.get(is_secretariat=True))
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("administration"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("Django admin access"),
        default=False,
        help_text=_("Technical administrators only; everyday work happens in the product."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Rotated whenever the user's other sessions must end (password change,
    # disabling, second-factor reset): it is part of the session auth hash.
    security_stamp = models.CharField(max_length=32, default=new_security_stamp, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    def _get_session_auth_hash(self, secret=None):
        key_salt = "accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, self.password + self.security_stamp, secret=secret, algorithm="sha256"
        ).hexdigest()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name

    @property
    def is_wco_staff(self) -> bool:
        return self.role == Role.WCO_STAFF

    @property
    def is_national_admin(self) -> bool:
        return self.role == Role.NATIONAL_ADMIN

    @property
    def can_manage_users(self) -> bool:
        return self.role in (Role.NATIONAL_ADMIN, Role.WCO_STAFF)

    def password_expires_at(self):
        max_age = settings.PASSWORD_MAX_AGE_DAYS
        if not max_age or self.password_changed_at is None:
            return None
        return self.password_changed_at + timedelta(days=max_age)

    def password_is_expired(self, now=None) -> bool:
        expires_at = self.password_expires_at()
        return expires_at is not None and (now or timezone.now()) >= expires_at


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords, so that they are not reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class PasswordExpiryNotice(models.Model):
    """One row per notice sent, so that each is sent once per password."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="expiry_notices")
    password_changed_at = models.DateTimeField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "password_changed_at", "days_before"],
                name="one_notice_per_threshold",
            )
        ]

    def __str__(self):
        return f"{self.user_id} {self.days_before}"


class PendingTask(models.Model):
    """A task for work that has no row of its own to say it waits (an e-mail, a
    thumbnail, an extract asked for), written in the transaction that asks for
    it and deleted once the broker has taken it: what the broker never got, the
    sweep sends (``cen_suite.queueing``)."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.task} {self.pk}"


def hash_backup_code(code: str) -> str:
    # Codes carry 50 bits of randomness, so a fast hash is enough; no salt is
    # needed for values that are never chosen by people.
    normalised = code.replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(normalised.encode()).hexdigest()


class BackupCodeDevice(ThrottlingMixin, Device):
    """Ten single-use backup codes, stored hashed, for when the phone is lost."""

    class Meta(Device.Meta):
        verbose_name = _("backup code set")

    def get_throttle_factor(self):
        return settings.OTP_TOTP_THROTTLE_FACTOR

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()

    def verify_token(self, token):
        verify_allowed, _ = self.verify_is_allowed()
        if not verify_allowed:
            return False
        token_hash = hash_backup_code(str(token))
        for code in self.codes.filter(used_at__isnull=True):
            if constant_time_compare(code.code_hash, token_hash):
                # A conditional update: of two requests racing with one code, one wins.
                claimed = BackupCode.objects.filter(pk=code.pk, used_at__isnull=True).update(
                    used_at=timezone.now()
                )
                if not claimed:
                    break
                self.throttle_reset()
                return True
        self.throttle_increment()
        return False


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.device_id} {'used' if self.used_at else 'unused'}"


class AuditAction(models.TextChoices):
    LOGIN_PASSWORD = "login.password", _("Password accepted")
    LOGIN_FAILED = "login.failed", _("Login failed")
    LOGIN_LOCKED = "login.locked", _("Account locked after repeated failures")
    LOGIN_OTP = "login.otp", _("Second factor verified")
    LOGIN_OTP_FAILED = "login.otp_failed", _("Second factor rejected")
    LOGOUT = "logout", _("Logged out")
    SESSION_EXPIRED = "session.expired", _("Session expired")
    OTP_ENROLLED = "otp.enrolled", _("Authenticator enrolled")
    OTP_RESET = "otp.reset", _("Second factor reset")
    BACKUP_CODES_GENERATED = "otp.backup_codes", _("Backup codes generated")
    PASSWORD_CHANGED = "password.changed", _("Password changed")
    PASSWORD_RESET_REQUESTED = "password.reset_requested", _("Password reset requested")
    PASSWORD_RESET_SENT = "password.reset_sent", _("Password reset e-mail sent by an administrator")
    PASSWORD_EXPIRY_NOTICE = "password.expiry_notice", _("Password expiry notice sent")
    USER_CREATED = "user.created", _("User created")
    USER_UPDATED = "user.updated", _("User updated")
    USER_ROLE_CHANGED = "user.role_changed", _("Role changed")
    USER_DISABLED = "user.disabled", _("User disabled")
    USER_ENABLED = "user.enabled", _("User re-enabled")
    USER_UNLOCKED = "user.unlocked", _("User unlocked")
    ADMINISTRATION_CREATED = "administration.created", _("Administration created")
    ADMINISTRATION_UPDATED = "administration.updated", _("Administration updated")
    CASE_CREATED = "case.created", _("Case created")
    CASE_UPDATED = "case.updated", _("Case edited")
    CASE_SUBMITTED = "case.submitted", _("Case submitted")
    CASE_VALIDATED = "case.validated", _("Case validated")
    CASE_REJECTED = "case.rejected", _("Case rejected")
    CASE_REOPENED = "case.reopened", _("Case reopened")
    CASE_FLAGGED = "case.flagged", _("Data-quality problem reported")
    CASE_VIEWED = "case.viewed", _("Case viewed")
    CASE_BULK_REQUESTED = "case.bulk", _("Workflow step requested on many cases")
    CASES_SEARCHED = "case.searched", _("Cases searched")
    VOCABULARY_CHANGED = "vocabulary.changed", _("Vocabulary entry saved")
    EXPORT_CREATED = "export.created", _("Search exported")
    EXPORT_DOWNLOADED = "export.downloaded", _("Export downloaded")
    EXTRACT_DOWNLOADED = "extract.downloaded", _("Database extract downloaded")
    UPLOAD_CREATED = "upload.created", _("Spreadsheet uploaded")
    UPLOAD_CONFIRMED = "upload.confirmed", _("Upload confirmed")
    UPLOAD_IMPORTED = "upload.imported", _("Upload imported")
    UPLOAD_FAILED = "upload.failed", _("Upload failed")
    UPLOAD_CANCELLED = "upload.cancelled", _("Upload cancelled")
    UPLOAD_CONVENTIONS_SET = (
        "upload.conventions",
        _("Reading of an upload's numbers or dates chosen"),
    )
    UPLOAD_MAPPING_SET = "upload.mapping_set", _("Upload's column and value mapping set")
    MAPPING_PROFILE_SAVED = "mapping_profile.saved", _("Mapping profile saved")
    MAPPING_PROFILE_RENAMED = "mapping_profile.renamed", _("Mapping profile renamed")
    MAPPING_PROFILE_DELETED = "mapping_profile.deleted", _("Mapping profile deleted")
    API_KEY_CREATED = "api_key.created", _("API key created")
    API_KEY_REVOKED = "api_key.revoked", _("API key revoked")
    API_CALL = "api.call", _("API call")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    DENIED = "denied", _("Denied")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """Append-only record of who did what. On PostgreSQL and SQLite a trigger
    refuses UPDATE and DELETE, so not even a bug or a shell can rewrite it."""

    created_at = models.DateTimeField(_("time (UTC)"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Kept as text too: the log must stay readable whatever happens to the user row.
    actor_email = models.CharField(_("user e-mail"), max_length=320, blank=True)
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("administration"),
    )
    action = models.CharField(
        _("action"), max_length=40, choices=AuditAction.choices, db_index=True
    )
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["administration", "-created_at"]),
            # The events about one object: who viewed a case, what happened to a user.
            models.Index(
                fields=["object_type", "object_id", "-created_at"],
                name="accounts_audit_object_idx",
            ),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_email}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")


def hash_api_key(key: str) -> str:
    # Keys carry 256 bits of randomness: a fast hash is enough, as for backup codes.
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKey(models.Model):
    """A key with which one system of an administration calls the API.

    Shown once when created, stored hashed, revocable. It acts for its
    administration with an officer's rights, in the name of the national admin
    who created it (who must still be active)."""

    PREFIX_LENGTH = 8

    administration = models.ForeignKey(
        Administration,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("administration"),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("The system that will use the key.")
    )
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
