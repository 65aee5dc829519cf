"""/api/v1/: API keys only (the session-less path). The schema and its
documentation page, under /api/, need a logged-in user with the second factor
like every page."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .. import converters  # noqa: F401  (registers <reference:>)
from . import views

app_name = "api"


def _key_only(view_class):
    # DRF authenticates by API key; the session middleware must let it through.
    return login_not_required(view_class.as_view())


def _second_factor(view):
    # DRF marks its views login_required = False (it authenticates itself); the
    # schema and its page must go through the two-factor middleware like any page.
    view.login_required = True
    return view


urlpatterns = [
    path("v1/cases/", _key_only(views.CaseCreateView), name="case-create"),
    path("v1/cases/batch/", _key_only(views.CaseBatchView), name="case-batch"),
    path("v1/cases/<reference:reference>/", _key_only(views.CaseDetailView), name="case-detail"),
    path("v1/uploads/", _key_only(views.UploadCreateView), name="upload-create"),
    path("v1/uploads/<int:pk>/", _key_only(views.UploadDetailView), name="upload-detail"),
    path("v1/uploads/<int:pk>/confirm/", _key_only(views.UploadConfirmView), name="upload-confirm"),
    path(
        "v1/uploads/<int:pk>/conventions/",
        _key_only(views.UploadConventionsView),
        name="upload-conventions",
    ),
    re_path(r"^v1/", _key_only(views.NotFoundView), name="not-found"),
    path("schema/", _second_factor(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        _second_factor(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
