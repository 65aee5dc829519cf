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
from django_countries import countries

from cen_suite.cache import CACHE_ERRORS

from ..models import (
    CommodityArea,
    CommodityType,
    ConcealmentMethod,
    DetectionMethod,
    LocationType,
    OffenceType,
    TransportMode,
    Unit,
)

logger = logging.getLogger(__name__)

VERSION_KEY = "seizures:vocabulary-version"
# "v2": the lists hold the units too; lists cached before lack them.
CHOICES_KEY = "seizures:search-choices:v2:{language}"
# A safety net for a change made outside the services (a data migration, a shell):
# the lists are rebuilt at least this often.
CHOICES_TIMEOUT = 3600

# The search filters that list a vocabulary, and its model.
VOCABULARY_FILTERS = {
    "area": CommodityArea,
    "commodity_type": CommodityType,
    "transport_mode": TransportMode,
    "detection_method": DetectionMethod,
    "concealment": ConcealmentMethod,
    "offence_type": OffenceType,
    "location_type": LocationType,
}

Choices = dict[str, list[tuple[str, str]]]


def vocabulary_version_bump() -> None:
    """A new vocabulary version: every cached option list is stale from now on.
    Called on commit of a vocabulary change."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except CACHE_ERRORS as error:
        logger.warning("Search options not refreshed, the cache is unreachable: %s", error)


def _option_lists() -> Choices:
    """(value, label) of every country and of every filter's vocabulary entries,
    in the active language and in the order the form lists them; and of the
    units, which the result rows name (rows.py)."""
    lists = {"country": [(code, str(name)) for code, name in countries]}
    for name, model in {**VOCABULARY_FILTERS, "unit": Unit}.items():
        lists[name] = [(str(entry.pk), str(entry)) for entry in model.objects.all()]
    return lists


def search_choices() -> Choices:
    """The option lists of the search form in the active language: from the cache
    when they were built for the current vocabulary version, else built (and
    cached). With the cache down, built for this page alone."""
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
        logger.warning(
            "Search options built for this page alone, the cache is unreachable: %s", error
        )
        return _option_lists()
    cached = found.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    choices = _option_lists()
    try:
        cache.set(key, (version, choices), timeout=CHOICES_TIMEOUT)
    except CACHE_ERRORS as error:
        logger.warning("Search options not cached, the cache is unreachable: %s", error)
    return choices
