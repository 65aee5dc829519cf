"""Queueing Celery tasks so that an unreachable broker never fails a page.

Every task is queued through ``task_enqueue_on_commit`` (or ``task_enqueue``
outside a transaction). The work itself is recorded in PostgreSQL before it is
queued. Work with a row of its own (an Upload, an Export, a bulk job): when the
broker cannot be reached, the message is not sent, a warning is logged and the
caller's ``on_unavailable`` marks the row as waiting for the queue. Work without
one (an e-mail, a thumbnail, an extract asked for) goes through
``task_enqueue_recorded``: a ``PendingTask`` row written in the caller's
transaction, deleted once the broker has the message. The sweeper
(``seizures.services.sweep``, beat every few minutes and ``manage.py
sweep_queued_work``) dispatches both again once the broker is back.
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


def task_enqueue_recorded(task: Task, *args) -> None:
    """Queue ``task`` (arguments that JSON can hold) for work that has no row of
    its own: a ``PendingTask`` in the current transaction, sent once it commits.
    If the broker is down, or the process ends before the message is sent, the
    row stays and the sweep sends it."""
    from accounts.models import PendingTask

    pending = PendingTask.objects.create(task=task.name, args=list(args))
    transaction.on_commit(lambda: pending_task_send(pk=pending.pk))


def pending_task_send(*, pk: int) -> bool:
    """Send one recorded task and forget it; False when the broker could not be
    reached. Under the row lock, the commit of the request that recorded it and
    a sweep never both send it."""
    from accounts.models import PendingTask

    with transaction.atomic():
        pending = PendingTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if pending is None:
            return True  # sent already, or being sent by another process
        if not task_enqueue(current_app.tasks[pending.task], *pending.args):
            return False
        pending.delete()
    return True


def pending_tasks_send() -> int:
    """Send every recorded task the broker has not taken yet, oldest first; stop
    at the first one the broker refuses (each of the others would wait for its
    timeout too). Returns how many were sent."""
    from accounts.models import PendingTask

    sent = 0
    for pk in PendingTask.objects.values_list("pk", flat=True):
        if not pending_task_send(pk=pk):
            break
        sent += 1
    return sent
