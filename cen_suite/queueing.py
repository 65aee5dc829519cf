"""Queueing Celery tasks so that an unreachable broker never fails a page.

Every task is queued through ``task_enqueue_on_commit`` (or ``task_enqueue``
outside a transaction). The work itself is recorded in PostgreSQL before it is
queued (an Upload, an Export, a photo without its thumbnail…): when the broker
cannot be reached, the message is not sent, a warning is logged, the caller's
``on_unavailable`` marks the row as waiting for the queue, and the sweeper
(``seizures.services.sweep``, beat every few minutes and ``manage.py
sweep_queued_work``) dispatches it again once the broker is back.
"""

import logging
import socket
from collections.abc import Callable

import redis.exceptions
from celery import Task, current_app
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# What publishing raises when the broker is down or unreachable: kombu wraps
# most connection errors in OperationalError; the rest come through as they are.
BROKER_ERRORS = (
    OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
    socket.timeout,
)


def task_enqueue(
    task: Task, *args, on_unavailable: Callable[[], None] | None = None, **kwargs
) -> bool:
    """Send ``task`` to the broker now. False when the broker could not be
    reached: the warning is logged and ``on_unavailable`` has run."""
    if current_app.conf.task_always_eager:
        # No broker: the task runs here, and its own errors are its own (an SMTP
        # server refusing a connection is not a broker outage).
        task.apply_async(args=args, kwargs=kwargs)
        return True
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except BROKER_ERRORS as error:
        # Only the first argument (a primary key): the others may be case
        # references, which have no place in a log.
        logger.warning(
            "Task %s(%r, …) not queued, the broker is unreachable: %s",
            task.name,
            args[0] if args else None,
            error,
        )
        if on_unavailable is not None:
            on_unavailable()
        return False
    return True


def task_enqueue_on_commit(
    task: Task, *args, on_unavailable: Callable[[], None] | None = None, **kwargs
) -> None:
    """Queue ``task`` once the current transaction commits, so that a worker never
    sees a primary key that is not committed yet; see ``task_enqueue``."""
    transaction.on_commit(
        lambda: task_enqueue(task, *args, on_unavailable=on_unavailable, **kwargs)
    )
