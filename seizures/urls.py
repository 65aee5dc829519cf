from django.urls import path

from . import views

app_name = "seizures"

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("search/", views.case_search_view, name="case-search"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("saved/", views.saved_search_list, name="saved-search-list"),
    path("saved/new/", views.saved_search_create, name="saved-search-create"),
    path("saved/<int:pk>/watch/", views.saved_search_watch, name="saved-search-watch"),
    path("saved/<int:pk>/delete/", views.saved_search_delete, name="saved-search-delete"),
    path("extract/", views.extract_page, name="extract"),
    path(
        "extract/<int:pk>/<str:kind>/",
        views.extract_download,
        name="extract-download",
    ),
    path("exports/", views.export_list, name="export-list"),
    path("exports/new/", views.export_create, name="export-create"),
    path("exports/<int:pk>/", views.export_detail, name="export-detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("new/", views.case_create, name="case-create"),
    path("new/simple/", views.case_create_simple, name="case-create-simple"),
    path("quality/", views.case_quality_panel, name="case-quality"),
    path("photos/", views.photo_search_view, name="photo-search"),
    path("photos/<int:pk>/similar/", views.photo_similar, name="photo-similar"),
    path("photos/<int:pk>/", views.photo_file, name="photo-image"),
    path(
        "photos/<int:pk>/thumbnail/",
        views.photo_file,
        {"variant": "thumbnail"},
        name="photo-thumbnail",
    ),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo-delete"),
    path("vocabularies/", views.vocabulary_index, name="vocabulary-index"),
    path("vocabularies/<slug:slug>/", views.vocabulary_list, name="vocabulary-list"),
    path("vocabularies/<slug:slug>/new/", views.vocabulary_edit, name="vocabulary-create"),
    path("vocabularies/<slug:slug>/<int:pk>/", views.vocabulary_edit, name="vocabulary-update"),
    path("<str:reference>/", views.case_detail, name="case-detail"),
    path("<str:reference>/edit/", views.case_edit, name="case-edit"),
    path("<str:reference>/submit/", views.case_submit, name="case-submit"),
    path("<str:reference>/validate/", views.case_validate_view, name="case-validate"),
    path("<str:reference>/reject/", views.case_reject, name="case-reject"),
    path("<str:reference>/reopen/", views.case_reopen, name="case-reopen"),
    path("<str:reference>/flag/", views.case_flag, name="case-flag"),
]
