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


# Below this many matches, the matching ids are fetched first through the GIN
# index and the page is sorted from them; above it, walking the date index and
# checking each row finds a page sooner. The planner cannot tell the two apart.
FEW_MATCHES = 5000


def text_filter(query: str) -> Q:
    words = query.split()[:10]
    if connection.vendor != "postgresql":
        condition = Q()
        for word in words:
            condition &= Q(search_text__icontains=word)
        return condition
    sql = " INTERSECT ".join([_POSTGRES_WORD] * len(words))
    # The words are passed as parameters, never formatted into the SQL.
    params = [param for word in words for param in (word, word)]
    with connection.cursor() as cursor:
        matches = f"SELECT id FROM ({sql}) AS matches LIMIT %s"  # noqa: S608 (constant SQL)
        cursor.execute(matches, [*params, FEW_MATCHES + 1])
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) <= FEW_MATCHES:
        return Q(pk__in=ids)
    return Q(pk__in=RawSQL(sql, params))  # noqa: S611
