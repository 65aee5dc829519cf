"""E-mails of the CEN, in the recipient's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import SavedSearch


def watch_email_send(*, saved_search_id: int, references: list[str], total: int) -> None:
    watch = SavedSearch.objects.select_related("user").filter(pk=saved_search_id).first()
    if watch is None or not watch.user.is_active:
        return
    site = settings.SITE_URL.rstrip("/")
    context = {
        "watch": watch,
        "total": total,
        "cases": [
            (reference, site + reverse("seizures:case-detail", args=[reference]))
            for reference in references
        ],
        "search_link": f"{site}{reverse('seizures:case-search')}?{watch.query}",
    }
    with translation.override(watch.user.language):
        subject = render_to_string("seizures/emails/watch_subject.txt", context)
        body = render_to_string("seizures/emails/watch.txt", context)
    send_mail(" ".join(subject.split()), body, None, [watch.user.email])
