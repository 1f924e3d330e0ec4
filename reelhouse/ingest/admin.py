from django.contrib import admin, messages

from reelhouse.ingest import services
from reelhouse.ingest.models import Delivery, FeedItem, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "path", "licensor", "licence", "enabled", "last_scan_at", "last_fetch_at",
                    "last_error"]
    list_filter = ["kind", "enabled", "licensor"]
    readonly_fields = ["last_scan_at", "last_fetch_at", "last_error"]


def _act(modeladmin, request, queryset, action, **kwargs):
    done = 0
    for delivery in queryset.select_related("source"):
        try:
            action(delivery=delivery, actor=request.user, **kwargs)
            done += 1
        except services.IngestError as exc:
            modeladmin.message_user(request, str(exc), messages.WARNING)
    modeladmin.message_user(request, f"{done} deliveries processed")


@admin.action(description="Retry the selected held deliveries")
def retry(modeladmin, request, queryset):
    _act(modeladmin, request, queryset, services.delivery_retry)


@admin.action(description="Retry as replacements (fixed files replace the current ones)")
def retry_as_replacement(modeladmin, request, queryset):
    _act(modeladmin, request, queryset, services.delivery_retry, replacement=True)


@admin.action(description="Discard the selected held deliveries (files stay in place)")
def discard(modeladmin, request, queryset):
    _act(modeladmin, request, queryset, services.delivery_discard)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["path", "source", "state", "reason", "size", "height", "first_seen_at", "updated_at"]
    list_filter = ["state", "source"]
    search_fields = ["path", "sha256", "reason", "origin_url"]
    readonly_fields = ["source", "path", "origin_url", "size", "mtime_ns", "sha256", "width", "height", "identity",
                       "decisions", "first_seen_at", "updated_at"]
    raw_id_fields = ["work"]
    actions = [retry, retry_as_replacement, discard]


@admin.register(FeedItem)
class FeedItemAdmin(admin.ModelAdmin):
    list_display = ["path", "source", "state", "reason", "size", "attempts", "updated_at"]
    list_filter = ["state", "source"]
    search_fields = ["url", "path", "sha256"]
    readonly_fields = [f.name for f in FeedItem._meta.fields]
