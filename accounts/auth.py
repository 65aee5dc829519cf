"""Glue between django-axes and this project's e-mail login."""


def axes_username(request, credentials) -> str | None:
    """The locked-out key: the e-mail address, case-insensitively, from either the
    credentials passed to ``authenticate`` or the posted form."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("email")
    return username.strip().lower() if username else None
