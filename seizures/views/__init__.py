"""The pages of the global CEN, one module per area; urls.py names them from here."""

from .annual_summary import annual_summary_page
from .bulk import bulk_action_detail, bulk_action_new, bulk_action_retry
from .cases import (
    case_create,
    case_create_simple,
    case_detail,
    case_edit,
    case_flag,
    case_list,
    case_quality_panel,
    case_reject,
    case_reopen,
    case_submit,
    case_validate_view,
    case_viewers,
    photo_delete,
    photo_file,
)
from .exports import (
    export_create,
    export_detail,
    export_download,
    export_list,
)
from .extract import (
    extract_download,
    extract_page,
)
from .indicators import (
    risk_indicator_create,
    risk_indicator_delete,
    risk_indicator_detail,
    risk_indicator_edit,
    risk_indicator_excel,
    risk_indicator_list,
    risk_indicator_print,
    risk_indicator_watch,
)
from .photos import (
    photo_search_view,
    photo_similar,
)
from .saved_searches import (
    saved_search_create,
    saved_search_delete,
    saved_search_list,
    saved_search_watch,
)
from .search import (
    case_search_view,
)
from .statistics import statistics_page, statistics_trends
from .uploads import (
    mapping_profile_detail,
    mapping_profile_list,
    upload_cancel,
    upload_confirm,
    upload_conventions,
    upload_create,
    upload_detail,
    upload_download,
    upload_list,
    upload_mapping,
    upload_profile_apply,
    upload_retry,
    upload_template,
)
from .vocabularies import (
    vocabulary_edit,
    vocabulary_index,
    vocabulary_list,
)

__all__ = [
    "annual_summary_page",
    "bulk_action_detail",
    "bulk_action_new",
    "bulk_action_retry",
    "case_create",
    "case_create_simple",
    "case_detail",
    "case_edit",
    "case_flag",
    "case_list",
    "case_quality_panel",
    "case_reject",
    "case_reopen",
    "case_search_view",
    "case_submit",
    "case_validate_view",
    "case_viewers",
    "export_create",
    "export_detail",
    "export_download",
    "export_list",
    "extract_download",
    "extract_page",
    "mapping_profile_detail",
    "mapping_profile_list",
    "photo_delete",
    "photo_file",
    "photo_search_view",
    "photo_similar",
    "risk_indicator_create",
    "risk_indicator_delete",
    "risk_indicator_detail",
    "risk_indicator_edit",
    "risk_indicator_excel",
    "risk_indicator_list",
    "risk_indicator_print",
    "risk_indicator_watch",
    "saved_search_create",
    "saved_search_delete",
    "saved_search_list",
    "saved_search_watch",
    "statistics_page",
    "statistics_trends",
    "upload_cancel",
    "upload_confirm",
    "upload_conventions",
    "upload_create",
    "upload_detail",
    "upload_download",
    "upload_list",
    "upload_mapping",
    "upload_profile_apply",
    "upload_retry",
    "upload_template",
    "vocabulary_edit",
    "vocabulary_index",
    "vocabulary_list",
]
