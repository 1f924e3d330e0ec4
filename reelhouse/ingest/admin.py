from django.contrib import admin

from reelhouse.ingest.models import Delivery, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "path", "licensor", "licence", "enabled", "last_scan_at"]
    list_filter = ["kind", "enabled", "licensor"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["path", "source", "state", "reason", "size", "first_seen_at", "updated_at"]
    list_filter = ["state", "source"]
    search_fields = ["path", "sha256", "reason"]
    readonly_fields = ["source", "path", "size", "mtime_ns", "sha256", "identity", "first_seen_at", "updated_at"]
    raw_id_fields = ["work"]
