from base64 import b32encode
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import check_for_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from . import selectors, services
from .decorators import expired_password_allowed, password_step, role_required
from .forms import (
    AdministrationForm,
    ApiKeyForm,
    AuditFilterForm,
    LanguageForm,
    LoginForm,
    OTPEnrolForm,
    OTPTokenForm,
    PasswordResetRequestForm,
    UserCreateForm,
    UserFilterForm,
    UserUpdateForm,
)
from .models import Administration, Role

LOGIN_ERROR = gettext_lazy(
    "The e-mail address or password is not correct, or the account is temporarily "
    "locked. Try again in a few minutes or ask your administrator."
)
SESSION_NEXT = "cen_next"
MAX_OTP_FAILURES = 10


def _safe_next(request, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _after_login_url(request) -> str:
    return request.session.pop(SESSION_NEXT, None) or reverse(settings.LOGIN_REDIRECT_URL)


# --- Public pages ------------------------------------------------------------


@login_not_required
@require_POST
def set_language(request):
    """The language switcher; a logged-in user's choice is also remembered on the account."""
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
    ):
        services.user_language_set(user=request.user, language=language)
    return django_set_language(request)


@login_not_required
@sensitive_post_parameters("password")
@never_cache
def login(request):
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(_after_login_url(request))
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is not None:
            services.login_password_accepted(request=request, user=user)
            if next_url:
                request.session[SESSION_NEXT] = next_url
            return redirect("accounts:otp")
        locked_now = (
            getattr(request, "axes_locked_out", False)
            and getattr(request, "axes_failures_since_start", 0) == settings.AXES_FAILURE_LIMIT
        )
        services.login_failed(request=request, email=email, locked_now=locked_now)
        error = LOGIN_ERROR
    return render(
        request, "accounts/login.html", {"form": form, "error": error, "next": next_url or ""}
    )


def login_locked_out(request, original_response, credentials):
    """django-axes calls this for a locked username. The login view has already
    rendered the very same page as for a wrong password, so nothing leaks."""
    return original_response


@login_not_required
@never_cache
def password_reset_request(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(request=request, email=form.cleaned_data["email"])
        messages.success(
            request,
            _(
                "If an active account uses this address, an e-mail with a link to choose "
                "a new password is on its way."
            ),
        )
        return redirect("accounts:login")
    return render(request, "accounts/password_reset_request.html", {"form": form})


class PasswordResetConfirm(PasswordResetConfirmView):
    """Django's token check, then our service so that history, audit and
    session ending apply to resets exactly as to changes."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        services.user_set_password(
            user=self.user, password=form.cleaned_data["new_password1"], request=self.request
        )
        self.request.session.pop(INTERNAL_RESET_SESSION_TOKEN, None)
        messages.success(self.request, _("Your password has been set. You can now log in with it."))
        return redirect(self.success_url)


password_reset_confirm = login_not_required(PasswordResetConfirm.as_view())


def admin_login(request, extra_context=None):
    """Replaces the Django admin's password-only login. Only a verified user gets
    here (the middleware sends everyone else to our login): one without admin
    access is refused."""
    raise PermissionDenied


def admin_password_change(request, extra_context=None):
    return redirect("accounts:password-change")


# --- Second factor -------------------------------------------------------------


@password_step
@never_cache
def otp(request):
    if request.user.is_verified():
        return redirect(_after_login_url(request))
    if selectors.user_has_authenticator(user=request.user):
        return redirect("accounts:otp-verify")
    return redirect("accounts:otp-setup")


def _otp_failure_limit_reached(request):
    """Counts wrong codes in this login; past the limit the session ends, on top
    of the devices' own throttling."""
    failures = request.session.get(services.SESSION_OTP_FAILURES, 0) + 1
    request.session[services.SESSION_OTP_FAILURES] = failures
    if failures < MAX_OTP_FAILURES:
        return None
    services.logout(request=request)
    messages.error(request, _("Too many wrong codes. Log in again."))
    return redirect("accounts:login")


@password_step
@sensitive_post_parameters("token")
@never_cache
def otp_verify(request):
    if request.user.is_verified():
        return redirect(_after_login_url(request))
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified, wait = services.otp_verify(request=request, token=form.cleaned_data["token"])
        if verified:
            return redirect(_after_login_url(request))
        if too_many := _otp_failure_limit_reached(request):
            return too_many
        if wait:
            form.add_error(
                "token",
                _("Too many wrong codes. Wait %(seconds)d seconds and try again.")
                % {"seconds": wait},
            )
        else:
            form.add_error("token", _("This code is not valid. Check your app and try again."))
    return render(request, "accounts/otp_verify.html", {"form": form})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


@password_step
@sensitive_post_parameters("token")
@never_cache
def otp_setup(request):
    if request.user.is_verified():
        return redirect(_after_login_url(request))
    if selectors.user_has_authenticator(user=request.user):
        return redirect("accounts:otp-verify")
    device = services.totp_device_pending(user=request.user)
    form = OTPEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(
            request=request, device=device, token=form.cleaned_data["token"]
        ):
            return redirect("accounts:backup-codes-new")
        if too_many := _otp_failure_limit_reached(request):
            return too_many
        form.add_error(
            "token", _("This code is not valid. Check the time on your phone and try again.")
        )
    secret = b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        # Generated here from our own data: safe to embed as markup.
        "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "accounts/otp_setup.html", context)


@expired_password_allowed
@never_cache
def backup_codes_new(request):
    """Shows freshly generated backup codes, once."""
    codes = request.session.pop(services.SESSION_NEW_BACKUP_CODES, None)
    if not codes:
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/backup_codes.html",
        {"codes": codes, "next_url": _after_login_url(request)},
    )


@require_POST
def backup_codes_regenerate(request):
    request.session[services.SESSION_NEW_BACKUP_CODES] = services.backup_codes_generate(
        user=request.user, request=request
    )
    return redirect("accounts:backup-codes-new")


@password_step
@require_POST
def logout(request):
    services.logout(request=request)
    messages.success(request, _("You have been logged out."))
    return redirect("accounts:login")


# --- The user's own account ------------------------------------------------------


def profile(request):
    form = LanguageForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_language_set(user=request.user, language=form.cleaned_data["language"])
        messages.success(request, _("Your preferences have been saved."))
        response = redirect("accounts:profile")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.cleaned_data["language"],
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "password_expires_at": request.user.password_expires_at(),
            "backup_codes_left": selectors.backup_codes_left(user=request.user),
        },
    )


@expired_password_allowed
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(
            user=request.user, password=form.cleaned_data["new_password1"], request=request
        )
        messages.success(request, _("Your password has been changed."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "expired": request.user.password_is_expired()},
    )


# --- User administration -------------------------------------------------------


MANAGERS = (Role.NATIONAL_ADMIN, Role.WCO_STAFF)


@role_required(*MANAGERS)
def user_list(request):
    users = selectors.user_list(actor=request.user)
    form = UserFilterForm(request.GET or None)
    if not request.user.is_wco_staff:
        del form.fields["administration"]
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            users = users.filter(Q(full_name__icontains=data["q"]) | Q(email__icontains=data["q"]))
        if data["role"]:
            users = users.filter(role=data["role"])
        if data.get("administration"):
            users = users.filter(administration=data["administration"])
        if data["active"]:
            users = users.filter(is_active=data["active"] == "1")
    page = Paginator(users.order_by("full_name", "email"), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"form": form, "page": page})


@role_required(*MANAGERS)
def user_create(request):
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                language=data["language"],
                administration=data.get("administration") or request.user.administration,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s has been created and invited by e-mail to choose a password.")
                % {"name": user.full_name},
            )
            return redirect("accounts:user-detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@role_required(*MANAGERS)
def user_detail(request, pk):
    user = selectors.user_get(actor=request.user, pk=pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "managed": user,
            "is_locked": selectors.user_is_locked(user=user),
            "has_totp": selectors.user_has_authenticator(user=user),
            "events": selectors.audit_event_list(actor=request.user).filter(
                object_type="accounts.user", object_id=str(user.pk)
            )[:20],
        },
    )


@role_required(*MANAGERS)
def user_update(request, pk):
    user = selectors.user_get(actor=request.user, pk=pk)
    form = UserUpdateForm(request.POST or None, instance=user, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,
                # Fetched again: validating the ModelForm already changed ``user``.
                user=selectors.user_get(actor=request.user, pk=pk),
                full_name=data["full_name"],
                role=data["role"],
                language=data["language"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The user has been updated."))
            return redirect("accounts:user-detail", pk=pk)
    return render(request, "accounts/user_form.html", {"form": form, "managed": user})


def _user_action(request, pk, action, message):
    user = selectors.user_get(actor=request.user, pk=pk)
    action(actor=request.user, user=user, request=request)
    messages.success(request, message)
    return redirect("accounts:user-detail", pk=pk)


@require_POST
@role_required(*MANAGERS)
def user_disable(request, pk):
    def disable(**kwargs):
        services.user_set_active(active=False, **kwargs)

    return _user_action(request, pk, disable, _("The user has been disabled and logged out."))


@require_POST
@role_required(*MANAGERS)
def user_enable(request, pk):
    def enable(**kwargs):
        services.user_set_active(active=True, **kwargs)

    return _user_action(request, pk, enable, _("The user has been re-enabled."))


@require_POST
@role_required(*MANAGERS)
def user_otp_reset(request, pk):
    return _user_action(
        request,
        pk,
        services.user_otp_reset,
        _("The second factor has been reset. The user will enrol a new one at the next login."),
    )


@require_POST
@role_required(*MANAGERS)
def user_password_reset(request, pk):
    return _user_action(
        request,
        pk,
        services.user_password_reset_send,
        _("An e-mail with a link to choose a new password has been sent."),
    )


@require_POST
@role_required(*MANAGERS)
def user_unlock(request, pk):
    return _user_action(request, pk, services.user_unlock, _("The account has been unlocked."))


# --- Administrations (WCO staff) --------------------------------------------------


@role_required(Role.WCO_STAFF)
def administration_list(request):
    administrations = selectors.administration_list(actor=request.user)
    return render(
        request, "accounts/administration_list.html", {"administrations": administrations}
    )


@role_required(Role.WCO_STAFF)
def administration_edit(request, pk=None):
    administration = (
        selectors.administration_get(actor=request.user, pk=pk) if pk else Administration()
    )
    form = AdministrationForm(request.POST or None, instance=administration)
    if request.method == "POST" and form.is_valid():
        services.administration_save(
            actor=request.user, administration=form.instance, request=request
        )
        messages.success(request, _("The administration has been saved."))
        return redirect("accounts:administration-list")
    return render(
        request,
        "accounts/administration_form.html",
        {"form": form, "administration": administration},
    )


# --- Audit log -------------------------------------------------------------------


@role_required(*MANAGERS)
def audit_list(request):
    events = selectors.audit_event_list(actor=request.user)
    form = AuditFilterForm(request.GET or None)
    if not request.user.is_wco_staff:
        del form.fields["administration"]
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["outcome"]:
            events = events.filter(outcome=data["outcome"])
        if data["user"]:
            events = events.filter(actor_email__icontains=data["user"])
        if data.get("administration"):
            events = events.filter(administration=data["administration"])
        if data["date_from"]:
            events = events.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(created_at__date__lte=data["date_to"])
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@role_required(Role.NATIONAL_ADMIN)
def api_key_list(request):
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key, secret = services.api_key_create(
            actor=request.user, name=form.cleaned_data["name"], request=request
        )
        # The secret is shown on this response only; it is never stored.
        return render(request, "accounts/api_key_created.html", {"key": key, "secret": secret})
    keys = selectors.api_key_list(actor=request.user)
    return render(request, "accounts/api_key_list.html", {"keys": keys, "form": form})


@role_required(Role.NATIONAL_ADMIN)
@require_POST
def api_key_revoke(request, pk):
    key = selectors.api_key_get(actor=request.user, pk=pk)
    services.api_key_revoke(actor=request.user, key=key, request=request)
    messages.success(request, _("The API key has been revoked."))
    return redirect("accounts:api-key-list")
