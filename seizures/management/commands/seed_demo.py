"""Demo data for a local demonstration or a benchmark. Never in production."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.demo import DEMO_PASSWORD, all_demo_users, seed_accounts
from seizures.demo import seed_cases
from seizures.models import Case
from seizures.statistics.summary import statistics_rebuild


class Command(BaseCommand):
    help = (
        "Create demo administrations and users, and with --cases N that many synthetic "
        "cases (DEBUG only). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=0, help="synthetic cases to add")
        parser.add_argument(
            "--min-cases",
            type=int,
            default=0,
            help="add synthetic cases only up to this total (what `make run` uses)",
        )
        parser.add_argument(
            "--photo-ratio",
            type=float,
            default=0.005,
            help="share of the new cases that get a generated photo (default 0.005)",
        )
        parser.add_argument(
            "--seed", type=int, default=None, help="random seed, for repeatable data"
        )

    def handle(self, *args, cases, min_cases, photo_ratio, seed, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with known passwords: it runs only with DEBUG=1."
            )
        administrations, created = seed_accounts()
        self.stdout.write(f"{len(administrations) - 1} administrations, {created} new demo users.")
        self.stdout.write(f"Every demo user's password: {DEMO_PASSWORD}")
        self.stdout.write(
            "Second factor: DEBUG=1 .venv/bin/python manage.py demo_totp <e-mail> prints the "
            "current code (a code logs in once per 30 seconds).\n"
        )
        for country, role, email, _name, _language in all_demo_users():
            self.stdout.write(f"  {email:28} {role.label:24} {administrations[country].name}")
        cases += max(0, min_cases - Case.objects.count())
        if cases:
            started = time.monotonic()
            seed_cases(count=cases, photo_ratio=photo_ratio, seed=seed, stdout=self.stdout)
            elapsed = time.monotonic() - started
            self.stdout.write(f"{cases} cases created in {elapsed:.1f} s.")
            # The cases were written in bulk, past the services that keep the summaries.
            counted = statistics_rebuild()
            self.stdout.write(f"Statistics summaries rebuilt from {counted} validated cases.")
            if connection.vendor == "postgresql":
                # Autovacuum gets round to a table this size in its own time; until
                # then the planner reads a million-case table as nearly empty and
                # scans it whole (searches of seconds instead of milliseconds).
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
