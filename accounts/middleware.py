from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import services
from .models import AuditAction


class SessionLimitsMiddleware:
    """Ends a session after SESSION_IDLE_MINUTES without a request, and after
    SESSION_ABSOLUTE_HOURS whatever the activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            auth_time = request.session.get(services.SESSION_AUTH_TIME, 0)
            last_seen = request.session.get(services.SESSION_LAST_SEEN, 0)
            idle_limit = settings.SESSION_IDLE_MINUTES * 60
            absolute_limit = settings.SESSION_ABSOLUTE_HOURS * 3600
            if now - last_seen > idle_limit or now - auth_time > absolute_limit:
                services.logout(request=request, reason=AuditAction.SESSION_EXPIRED)
                messages.info(request, _("Your session has expired. Please log in again."))
                return redirect_to_login(request.get_full_path())
            request.session[services.SESSION_LAST_SEEN] = now
        return self.get_response(request)


class UserLanguageMiddleware:
    """A logged-in user sees the interface in their preferred language,
    whichever browser they use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated:
            return self.get_response(request)
        # For this request only: the language must not stay with the thread
        # and leak into whatever it does next (another request, a task).
        with translation.override(request.user.language):
            request.LANGUAGE_CODE = translation.get_language()
            return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Deny by default: only views marked ``login_not_required`` are public; the
    rest need the password, then the second factor, then a current password."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_verified():
            if getattr(view_func, "password_step", False):
                return None
            return redirect_to_login(request.get_full_path(), login_url="accounts:otp")
        if user.password_is_expired() and not getattr(view_func, "expired_password_allowed", False):
            return redirect("accounts:password-change")
        return None
