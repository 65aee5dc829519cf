"""Path converters. A case reference is any text without a slash or a NUL byte:
PostgreSQL cannot look up a NUL, so such a URL is a 404 at the resolver."""

from django.urls import register_converter


class CaseReferenceConverter:
    regex = r"[^/\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseReferenceConverter, "reference")
