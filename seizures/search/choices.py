"""The search form's option lists, built once per language and kept in the cache.

The search and statistics pages show about 1,150 options (the countries four
times, the vocabularies) on every load. Building them means a query per
vocabulary and a sort of the countries in the user's language; they change only
when WCO staff edit a vocabulary. So they are cached per language and per
*vocabulary version*, a token that ``vocabulary_entry_save`` replaces once its
transaction commits: an edit shows on the next page, in every worker.

Only the lists are cached, never a rendered form: the user's selections are
marked when the form is drawn (``QuickSelect`` in forms.py). The reporting
administrations are not cached: they are edited in the accounts app, and one
short query keeps them current.
"""

import logging
import uuid

from django.core.cache import cache
from django.utils.translation import get_language

from cen_suite.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

VERSION_KEY = "seizures:vocabulary-version"
CHOICES_KEY = "seizures:search-choices:{language}"
# A safety net for a change made outside the services (a data migration, a shell):
# the lists are rebuilt at least this often.
CHOICES_TIMEOUT = 3600

Choices = dict[str, list[tuple[str, str]]]


def vocabulary_version_bump() -> None:
    """A new vocabulary version: every cached option list is stale from now on.
    Called on commit of a vocabulary change."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except CACHE_ERRORS as error:
        logger.warning("Search options not refreshed, the cache is unreachable: %s", error)


def search_choices(build) -> Choices:
    """The option lists of the search form in the active language: from the cache
    when they were built for the current vocabulary version, else from ``build()``
    (and then cached). With the cache down, built for this page alone."""
    key = CHOICES_KEY.format(language=get_language())
    try:
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        if version is None:
            # A fresh or flushed cache: start a version, unless another worker
            # has just done so.
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
    except CACHE_ERRORS as error:
        logger.warning("Search options built without the cache, it is unreachable: %s", error)
        return build()
    cached = found.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    choices = build()
    try:
        cache.set(key, (version, choices), timeout=CHOICES_TIMEOUT)
    except CACHE_ERRORS as error:
        logger.warning("Search options not cached, the cache is unreachable: %s", error)
    return choices
