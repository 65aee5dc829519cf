from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext


class PasswordHistoryValidator:
    """Refuses any of the user's last ``history`` passwords, the current one included."""

    def __init__(self, history: int = 5):
        self.history = history

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        recent = user.password_history.values_list("password", flat=True)[: self.history]
        if any(check_password(password, old) for old in recent):
            raise ValidationError(self.get_error_message(), code="password_reused")

    def get_error_message(self):
        return ngettext(
            "You may not reuse your last password.",
            "You may not reuse any of your last %(count)d passwords.",
            self.history,
        ) % {"count": self.history}

    def get_help_text(self):
        return self.get_error_message()
