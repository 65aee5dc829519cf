"""Schemathesis generates requests from the API's own OpenAPI schema and sends
them in-process to the WSGI application, with a real API key: no answer may be
a server error, and every answer must match the schema (status and body)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from accounts.services import api_key_create
from seizures.api.auth import ApiKeyRateThrottle

SCHEMA = schemathesis.openapi.from_dict(
    SchemaGenerator(patterns=None).get_schema(request=None, public=True)
)
SCHEMA.app = WSGIHandler()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.specs.openapi.checks.status_code_conformance,
    schemathesis.specs.openapi.checks.content_type_conformance,
    schemathesis.specs.openapi.checks.response_schema_conformance,
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_generated_requests_get_no_server_error_and_answers_match_the_schema(
    operation, national_admin, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "100000/minute"})
    _key, secret = api_key_create(actor=national_admin, name="Schemathesis")
    headers = {"Authorization": f"Api-Key {secret}"}

    @hypothesis_settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case):
        response = case.call(base_url="http://testserver", headers=headers)
        case.validate_response(response, checks=CHECKS)

    check()
