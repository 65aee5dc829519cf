"""Writes for the global CEN. Each is atomic, records the case history and the
audit log, and queues its background work on commit.

- cases.py: references, cases and their workflow, photos, vocabularies
- exports.py: search results to files
- searches.py: searches audited, saved searches and watch lists
- extracts.py: the downloadable database extract
- sweep.py: work whose task never reached a worker, sent again
"""

from .cases import (
    DERIVED_FIELDS,
    LEG_ORDER,
    M2M_FIELDS,
    case_create,
    case_derived_fields,
    case_flag_quality,
    case_references_reserve,
    case_reject,
    case_reopen,
    case_submit,
    case_update,
    case_validate,
    case_viewed,
    cases_save_many,
    photo_add,
    photo_delete,
    photo_files_sweep,
    photo_thumbnail_make,
    vocabulary_entry_save,
)
from .exports import (
    EXPORT_DAYS,
    export_create,
    export_downloaded,
    export_fail,
    export_run,
    exports_purge,
)
from .extracts import (
    EXTRACTS_KEPT,
    extract_build,
    extract_downloaded,
    extract_request,
)
from .searches import (
    WATCH_LIST_LIMIT,
    cases_searched,
    saved_search_delete,
    saved_search_save,
    watch_notices_send,
)
from .sweep import queued_work_sweep

__all__ = [
    "DERIVED_FIELDS",
    "EXPORT_DAYS",
    "EXTRACTS_KEPT",
    "LEG_ORDER",
    "M2M_FIELDS",
    "WATCH_LIST_LIMIT",
    "case_create",
    "case_derived_fields",
    "case_flag_quality",
    "case_references_reserve",
    "case_reject",
    "case_reopen",
    "case_submit",
    "case_update",
    "case_validate",
    "case_viewed",
    "cases_save_many",
    "cases_searched",
    "export_create",
    "export_downloaded",
    "export_fail",
    "export_run",
    "exports_purge",
    "extract_build",
    "extract_downloaded",
    "extract_request",
    "photo_add",
    "photo_delete",
    "photo_files_sweep",
    "photo_thumbnail_make",
    "queued_work_sweep",
    "saved_search_delete",
    "saved_search_save",
    "vocabulary_entry_save",
    "watch_notices_send",
]
