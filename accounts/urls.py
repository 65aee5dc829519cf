from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password-reset/", views.password_reset_request, name="password-reset"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("otp/", views.otp, name="otp"),
    path("otp/verify/", views.otp_verify, name="otp-verify"),
    path("otp/setup/", views.otp_setup, name="otp-setup"),
    path("otp/backup-codes/", views.backup_codes_new, name="backup-codes-new"),
    path(
        "otp/backup-codes/regenerate/",
        views.backup_codes_regenerate,
        name="backup-codes-regenerate",
    ),
    path("me/", views.profile, name="profile"),
    path("me/password/", views.password_change, name="password-change"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", views.user_update, name="user-update"),
    path("users/<int:pk>/disable/", views.user_disable, name="user-disable"),
    path("users/<int:pk>/enable/", views.user_enable, name="user-enable"),
    path("users/<int:pk>/reset-otp/", views.user_otp_reset, name="user-otp-reset"),
    path(
        "users/<int:pk>/send-password-reset/", views.user_password_reset, name="user-password-reset"
    ),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user-unlock"),
    path("administrations/", views.administration_list, name="administration-list"),
    path("administrations/new/", views.administration_edit, name="administration-create"),
    path("administrations/<int:pk>/edit/", views.administration_edit, name="administration-update"),
    path("audit/", views.audit_list, name="audit-list"),
    path("api-keys/", views.api_key_list, name="api-key-list"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api-key-revoke"),
]
