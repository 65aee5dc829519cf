"""Free text over narratives, line descriptions, brands, species, vessel names
and flight numbers (gathered in ``Case.search_text``).

This is the one place where the database engine matters:
- PostgreSQL: each word must match the stored tsvector ``search_document``
  (GIN index, 'simple' configuration, so no language's stemming gets in the
  way) or, for a near-spelling, the trigram index of the same text;
- SQLite: each word must appear in the text, case-insensitively.
"""

import json

from django.db import connection
from django.db.models import Lookup, Q

from ..models import Case

# A word matches its lexeme, or (near-spelling) a word of the text with a
# trigram word-similarity above pg_trgm's threshold (0.6 by default).
_POSTGRES_WORD = (
    "SELECT id FROM seizures_case"
    " WHERE search_document @@ plainto_tsquery('simple'::regconfig, %s)"
    " OR %s <%% search_text"
)

# Below this many matches, the matching ids are fetched first through the GIN
# indexes and the page is sorted from them; above it, the words are checked
# on each row along the sort index, which finds a page sooner. The planner
# cannot tell the two apart on its own (it guesses a few thousand matches for
# any word its statistics do not know), so: words the statistics know to be
# common go straight to the row-by-row check; others are counted first.
FEW_MATCHES = 5000
_ESTIMATE = "EXPLAIN (FORMAT JSON) SELECT id FROM seizures_case WHERE {}"
_WORD_IN_DOCUMENT = "search_document @@ plainto_tsquery('simple'::regconfig, %s)"


class _HasWord(Lookup):
    """``search_text__has_word=word``, checked on the row itself (PostgreSQL).

    The stored ``search_document`` column sits beside ``search_text`` in the
    same table; it is named through the column's own alias so that the lookup
    works when the search is nested in another query (facets, exports)."""

    lookup_name = "has_word"

    def as_sql(self, compiler, connection):
        column, column_params = self.process_lhs(compiler, connection)
        word, word_params = self.process_rhs(compiler, connection)
        document = column.replace('"search_text"', '"search_document"')
        sql = f"({document} @@ plainto_tsquery('simple'::regconfig, {word}) OR {word} <%% {column})"
        return sql, [*column_params, *word_params, *word_params, *column_params]


Case._meta.get_field("search_text").register_lookup(_HasWord)


def text_filter(query: str) -> Q:
    words = query.split()[:10]
    if connection.vendor != "postgresql":
        condition = Q()
        for word in words:
            condition &= Q(search_text__icontains=word)
        return condition
    row_by_row = Q()
    for word in words:
        row_by_row &= Q(search_text__has_word=word)
    # The words are passed as parameters, never formatted into the SQL.
    with connection.cursor() as cursor:
        cursor.execute(_ESTIMATE.format(" AND ".join([_WORD_IN_DOCUMENT] * len(words))), words)
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        if plan[0]["Plan"]["Plan Rows"] > 2 * FEW_MATCHES:
            return row_by_row
        sql = " INTERSECT ".join([_POSTGRES_WORD] * len(words))
        matches = f"SELECT id FROM ({sql}) AS matches LIMIT %s"  # noqa: S608 (constant SQL)
        cursor.execute(matches, [*[p for word in words for p in (word, word)], FEW_MATCHES + 1])
        ids = [row[0] for row in cursor.fetchall()]
    return Q(pk__in=ids) if len(ids) <= FEW_MATCHES else row_by_row
