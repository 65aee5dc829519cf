"""Project-level pages: the home page brings the apps together; the health check."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render

from accounts import selectors as account_selectors
from seizures.selectors import own_case_list


@login_not_required
def health(request):
    """For load balancers and docker-compose: is the database reachable?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


def home(request):
    return render(
        request,
        "home.html",
        {
            "case_counts": _case_counts(request.user),
            "password_expires_at": request.user.password_expires_at(),
            "recent_logins": account_selectors.recent_logins(user=request.user),
            "backup_codes_left": account_selectors.backup_codes_left(user=request.user),
        },
    )


def _case_counts(user) -> dict:
    if user.is_wco_staff:
        return {}
    counts = dict.fromkeys(("draft", "submitted", "rejected"), 0)
    for row in own_case_list(user=user).values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts
