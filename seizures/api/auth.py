"""API keys: authentication, permission, rate limit and the audit of every call."""

import logging

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from accounts.models import ApiKey, AuditAction, AuditOutcome
from accounts.services import api_key_authenticate, audit_event_create
from cen_suite.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key cen_…``. The request acts as the key's creator,
    within the key's administration."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _space, secret = header.partition(" ")
        if keyword.lower() != KEYWORD.lower() or not secret.strip():
            return None
        key = api_key_authenticate(secret=secret.strip())
        if key is None:
            audit_event_create(
                action=AuditAction.API_CALL,
                request=request._request,
                outcome=AuditOutcome.DENIED,
                details={
                    "method": request.method,
                    "path": request.path,
                    "key": secret[:12],
                },
            )
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        return key.created_by, key

    def authenticate_header(self, request):
        return KEYWORD


class HasApiKey(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, ApiKey)


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """API_RATE_LIMIT calls per key (e.g. ``120/minute``)."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}

    def allow_request(self, request, view):
        # The call history lives in the cache. With the cache down we fail OPEN:
        # the call is answered, unthrottled, and a warning is logged. Failing
        # open means that for as long as the cache is down, a key can call the
        # API faster than API_RATE_LIMIT; every call still needs a valid,
        # unrevoked key and is still written to the audit log (in PostgreSQL),
        # so abuse stays attributable and a key can be revoked. Failing closed
        # would stop every administration's integration for an outage of a
        # component that holds no data.
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as error:
            logger.warning("API rate limit not applied, the cache is unreachable: %s", error)
            return True


class AuditedMixin:
    """Every call with a valid key is written to the audit log, with its outcome."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(request, "auth", None)
        if isinstance(key, ApiKey):
            audit_event_create(
                action=AuditAction.API_CALL,
                request=request._request,
                actor=key.created_by,
                administration=key.administration,
                target=key,
                outcome=AuditOutcome.SUCCESS
                if response.status_code < 400
                else AuditOutcome.FAILURE,
                details={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "key": key.prefix,
                },
            )
        return response


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the API key."""

    target_class = "seizures.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key cen_…`, created by a national admin under API keys.",
        }
