from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy

from accounts import views as account_views

from . import views

admin.site.site_header = gettext_lazy("CEN Suite administration")
# The admin has no login or password change of its own: both go through the
# product, with the second factor, password history and audit.
admin.site.login = account_views.admin_login
admin.site.password_change = account_views.admin_password_change

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("cases/", include("seizures.urls")),
    path("api/", include("seizures.api.urls")),
    path("django-admin/", admin.site.urls),
]
