"""Django's admin, for technical administrators. Users, roles and the audit log
are read-only here: changes go through the product, where they are checked
and audited."""

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Administration, AuditEvent, User


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Administration)
class AdministrationAdmin(ReadOnlyAdmin):
    list_display = ["name", "country", "region", "is_secretariat", "is_active"]
    list_filter = ["region", "is_active"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["email", "full_name", "administration", "role", "is_active"]
    list_filter = ["role", "is_active", "administration__region"]
    search_fields = ["email", "full_name"]
    exclude = ["password", "security_stamp"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "action",
        "actor_email",
        "administration",
        "outcome",
        "ip_address",
    ]
    list_filter = ["action", "outcome"]
    search_fields = ["actor_email", "object_id"]


# django-otp's admin would show any user's TOTP secret as a QR code.
admin.site.unregister(TOTPDevice)
