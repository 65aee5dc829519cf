"""Print a user's current authenticator code, for local demonstration only."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of a user's authenticator (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp defeats two-factor login: it runs only with DEBUG=1.")
        device = (
            TOTPDevice.objects.filter(user__email__iexact=email)
            .order_by("-confirmed", "-id")
            .first()
        )
        if device is None:
            raise CommandError(f"{email} has no authenticator yet: log in once to start enrolment.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        self.stdout.write(f"{totp.token():0{device.digits}d}")
