from celery import shared_task
from django.core.management import call_command


@shared_task
def send_password_expiry_notices():
    from .services import password_expiry_notices_send

    return password_expiry_notices_send()


@shared_task
def send_password_expiry_email(user_id: int, days_left: int):
    from .emails import password_expiry_email_send

    password_expiry_email_send(user_id=user_id, days_left=days_left)


@shared_task
def send_password_reset_email(user_id: int, reason: str):
    from .emails import password_reset_email_send

    password_reset_email_send(user_id=user_id, reason=reason)


@shared_task
def clear_expired_sessions():
    call_command("clearsessions")
