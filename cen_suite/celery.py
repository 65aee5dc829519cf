"""The Celery application. Settings come from Django's CELERY_* settings.

Tasks are queued with ``cen_suite.queueing.task_enqueue_on_commit`` so that a
worker never sees a primary key whose transaction has not committed yet, and an
unreachable broker leaves the work recorded as waiting instead of failing the
page; ``sweep-queued-work`` sends it once the broker is back.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cen_suite.settings")

app = Celery("cen_suite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "password-expiry-notices": {
        "task": "accounts.tasks.send_password_expiry_notices",
        "schedule": crontab(hour=6, minute=0),
    },
    "database-extract": {
        "task": "seizures.tasks.build_extract",
        "schedule": crontab(hour=2, minute=0),
    },
    "watch-list-emails": {
        "task": "seizures.tasks.send_watch_emails",
        "schedule": crontab(hour=5, minute=0),
    },
    "purge-expired-exports": {
        "task": "seizures.tasks.purge_exports",
        "schedule": crontab(hour=4, minute=0),
    },
    "sweep-orphan-photo-files": {
        "task": "seizures.tasks.sweep_photo_files",
        "schedule": crontab(hour=4, minute=30),
    },
    "sweep-queued-work": {
        "task": "seizures.tasks.sweep_queued_work",
        "schedule": crontab(minute="*/5"),
    },
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=30),
    },
}
