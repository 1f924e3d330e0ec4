from django.contrib import admin
from django.utils.html import format_html

from reelhouse.media.models import Asset, Rendition, TranscodeJob


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    readonly_fields = ["name", "width", "height", "bandwidth", "codecs"]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["id", "work", "width", "height", "duration_s", "created_at"]
    raw_id_fields = ["work", "delivery"]
    inlines = [RenditionInline]


@admin.register(TranscodeJob)
class TranscodeJobAdmin(admin.ModelAdmin):
    list_display = ["id", "delivery", "state", "progress_bar", "speed", "attempts", "created_at", "finished_at"]
    list_filter = ["state"]
    readonly_fields = ["delivery", "state", "progress", "speed", "attempts", "error", "asset", "started_at",
                       "finished_at", "heartbeat_at"]

    @admin.display(description="progress")
    def progress_bar(self, job):
        pct = round(100 * job.progress)
        return format_html('<progress value="{}" max="100" aria-label="{}%">{}%</progress> {}%', pct, pct, pct, pct)
