"""Case search: one form, one query builder shared by the search page and (later)
exports, facets, keyset pagination and the free-text backend."""
