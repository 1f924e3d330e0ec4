from django.contrib import admin

from reelhouse.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["text", "profile", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["profile", "work"]
