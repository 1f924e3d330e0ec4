from django.contrib import admin

from reelhouse.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "subject_type", "subject_id", "actor"]
    list_filter = ["action"]
    search_fields = ["subject_id", "action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
