"""Authentication glue: django-axes' username, and the backend's account rules."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Users of a deactivated administration can neither log in nor keep a
    session (``get_user`` applies the same rule on every request)."""

    def get_user(self, user_id):
        """The session's user with their administration, in one query: every
        request reads both (the rule above, the menu, the scope of searches)."""
        users = get_user_model()._default_manager.select_related("administration")
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user):
        administration = getattr(user, "administration", None)
        return super().user_can_authenticate(user) and (
            administration is None or administration.is_active
        )


def axes_username(request, credentials) -> str | None:
    """The locked-out key: the e-mail address, case-insensitively, from either the
    credentials passed to ``authenticate`` or the posted form."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("email")
    return username.strip().lower() if username else None
