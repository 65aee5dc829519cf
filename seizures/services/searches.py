"""Writes for the global CEN. Each is atomic, records the case history and the
audit log, and queues its background work on commit."""

import logging

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditAction, User
from accounts.services import audit_event_create
from cen_suite.queueing import task_enqueue_recorded

from .. import tasks
from ..models import (
    CaseStatus,
    SavedSearch,
)

# --- Searches ---------------------------------------------------------------------------


def cases_searched(
    *,
    user: User,
    filters: dict[str, list[str]],
    results: dict[str, int | bool],
    first_page: bool = True,
    request: HttpRequest | None = None,
) -> None:
    """Record a search of cases (the search page, the photo search) in the
    searcher's administration's log: the filters as the user gave them and the
    results as shown. One INSERT, so that searching stays as fast as it was."""
    audit_event_create(
        action=AuditAction.CASES_SEARCHED,
        request=request,
        actor=user,
        details={"filters": filters, **results, **({} if first_page else {"next_page": True})},
    )


# --- Saved searches and watch lists -------------------------------------------------------

WATCH_LIST_LIMIT = 50
logger = logging.getLogger(__name__)


def saved_search_save(*, user: User, name: str, query: str, is_watch: bool) -> SavedSearch:
    """Save (or replace, under the same name) one of the user's searches."""
    saved, _created = SavedSearch.objects.update_or_create(
        user=user,
        name=name,
        defaults={"query": query, "is_watch": is_watch, "watched_since": timezone.now()},
    )
    return saved


def saved_search_delete(*, saved: SavedSearch) -> None:
    saved.delete()


def watch_notices_send(*, now=None) -> int:
    """E-mail each watch's newly validated matches, once. Run daily by beat."""
    from django.http import QueryDict

    from ..search.forms import CaseSearchForm
    from ..search.query import case_search

    now = now or timezone.now()
    sent = 0
    watches = SavedSearch.objects.filter(is_watch=True, user__is_active=True).select_related("user")
    for watch in watches:
        form = CaseSearchForm(QueryDict(watch.query))
        if not form.is_valid():
            # A filter that no longer validates (a vocabulary entry retired, say)
            # must not widen the watch to every new case: skip it, keep its place.
            logger.warning("Watch %s skipped: its filters are no longer valid", watch.pk)
            continue
        filters = {**form.cleaned_data, "status": CaseStatus.VALIDATED}
        matches = case_search(user=watch.user, filters=filters).filter(
            validated_at__gt=watch.watched_since, validated_at__lte=now
        )
        total = matches.count()
        with transaction.atomic():
            SavedSearch.objects.filter(pk=watch.pk).update(watched_since=now)
            if total:
                references = list(matches.values_list("reference", flat=True)[:WATCH_LIST_LIMIT])
                task_enqueue_recorded(tasks.send_watch_email, watch.pk, references, total)
                sent += 1
    return sent
