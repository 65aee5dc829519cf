"""How a view declares who may reach it. Everything else needs a logged-in user
with a verified second factor and a password that has not expired (see
``SecondFactorRequiredMiddleware``).

- ``login_not_required`` (Django's): the short public allowlist.
- ``password_step``: reachable after the password, before the second factor.
- ``expired_password_allowed``: reachable while the password must be changed.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied


def password_step(view_func):
    view_func.password_step = True
    view_func.expired_password_allowed = True
    return view_func


def expired_password_allowed(view_func):
    view_func.expired_password_allowed = True
    return view_func


def role_required(*roles):
    """Whole features reserved to some roles: others get a 403."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator
