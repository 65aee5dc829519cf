from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role


def navigation(request):
    """The menu shows only what exists for the user's role, across the apps."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated and user.is_verified():
        items.append((reverse("home"), _("Home")))
        items.append((reverse("seizures:case-list"), _("Cases")))
        items.append((reverse("seizures:case-search"), _("Search")))
        items.append((reverse("seizures:statistics"), _("Statistics")))
        items.append((reverse("seizures:risk-indicator-list"), _("Risk indicators")))
        items.append((reverse("seizures:photo-search"), _("Photos")))
        items.append((reverse("seizures:extract"), _("Extract")))
        if user.role == Role.NATIONAL_ADMIN:
            items.append((reverse("seizures:upload-list"), _("Bulk upload")))
            items.append((reverse("accounts:api-key-list"), _("API keys")))
        if user.role in (Role.NATIONAL_ADMIN, Role.WCO_STAFF):
            items.append((reverse("accounts:user-list"), _("Users")))
        if user.role == Role.WCO_STAFF:
            items.append((reverse("accounts:administration-list"), _("Administrations")))
            items.append((reverse("seizures:vocabulary-index"), _("Vocabularies")))
        if user.role in (Role.NATIONAL_ADMIN, Role.WCO_STAFF):
            items.append((reverse("accounts:audit-list"), _("Audit log")))
    return {"nav_items": items, "available_languages": settings.LANGUAGES}
