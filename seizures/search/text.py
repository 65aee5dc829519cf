"""Free text over narratives, line descriptions, brands, species, vessel names
and flight numbers (gathered in ``Case.search_text``).

This is the one place where the database engine matters:
- PostgreSQL: each word must match the stored tsvector (GIN index, 'simple'
  configuration, so no language's stemming gets in the way) or, for a
  near-spelling, the trigram index of the same text;
- SQLite: each word must appear in the text, case-insensitively.
"""

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

# A word matches its lexeme, or (near-spelling) a word of the text with a
# trigram word-similarity above pg_trgm's threshold (0.6 by default).
# A subquery of its own, so that it keeps working when the search is itself
# nested in another query (facets, exports), where the table gets an alias.
_POSTGRES_WORD = (
    "SELECT id FROM seizures_case"
    " WHERE search_document @@ plainto_tsquery('simple'::regconfig, %s)"
    " OR %s <%% search_text"
)


def text_filter(query: str) -> Q:
    condition = Q()
    for word in query.split()[:10]:
        if connection.vendor == "postgresql":
            # The words are passed as parameters, never formatted into the SQL.
            condition &= Q(pk__in=RawSQL(_POSTGRES_WORD, [word, word]))  # noqa: S611
        else:
            condition &= Q(search_text__icontains=word)
    return condition
