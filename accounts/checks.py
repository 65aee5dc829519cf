from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def email_is_delivered(app_configs, **kwargs):
    """Welcome and reset e-mails carry password links: in production they must
    go to a mail server, never to the console and the logs."""
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        return [
            Error(
                "E-mails would be printed on the console, password links included.",
                hint="Set EMAIL_HOST (and the other EMAIL_* variables).",
                id="accounts.E001",
            )
        ]
    return []
