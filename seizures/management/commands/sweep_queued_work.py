from django.core.management.base import BaseCommand

from seizures.services import queued_work_sweep


class Command(BaseCommand):
    help = (
        "Send again the tasks of uploads and exports waiting for the task queue "
        "(the broker was unreachable) and of upload checks that stalled."
    )

    def handle(self, *args, **options):
        sent = queued_work_sweep()
        self.stdout.write(f"{sent} queued tasks sent again.")
