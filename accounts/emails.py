"""E-mails to users, always in the user's own language."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User


def _send(user: User, template: str, context: dict) -> None:
    with translation.override(user.language):
        context = {"user": user, "site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"accounts/emails/{template}_subject.txt", context)
        body = render_to_string(f"accounts/emails/{template}.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def password_reset_email_send(*, user_id: int, reason: str) -> None:
    """``reason`` is "welcome" for a new account, "reset" otherwise."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    template = "welcome" if reason == "welcome" else "password_reset"
    _send(user, template, {"link": settings.SITE_URL.rstrip("/") + path})


def password_expiry_email_send(*, user_id: int, days_left: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    _send(
        user,
        "password_expiry",
        {
            "days_left": days_left,
            "expires_at": user.password_expires_at(),
            "link": settings.SITE_URL.rstrip("/") + reverse("accounts:password-change"),
        },
    )
