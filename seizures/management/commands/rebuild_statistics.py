from django.core.management.base import BaseCommand

from seizures.statistics.summary import statistics_rebuild


class Command(BaseCommand):
    help = "Recompute the statistics summary tables from the validated cases."

    def handle(self, *args, **options):
        counted = statistics_rebuild()
        self.stdout.write(f"Summary tables rebuilt from {counted} validated cases.")
