from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Role


def navigation(request):
    """The menu shows only what exists for the user's role."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated and user.is_verified():
        items.append((reverse("home"), _("Home")))
        if user.role in (Role.NATIONAL_ADMIN, Role.WCO_STAFF):
            items.append((reverse("accounts:user-list"), _("Users")))
        if user.role == Role.WCO_STAFF:
            items.append((reverse("accounts:administration-list"), _("Administrations")))
        if user.role in (Role.NATIONAL_ADMIN, Role.WCO_STAFF):
            items.append((reverse("accounts:audit-list"), _("Audit log")))
    return {"nav_items": items, "available_languages": settings.LANGUAGES}
