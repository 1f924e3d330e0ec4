from django.contrib import admin
from django.utils.html import format_html

from reelhouse.media.models import Asset, Rendition, TranscodeJob
from reelhouse.media.selectors import job_line


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
    list_display = ["id", "delivery", "state", "priority", "progress_bar", "speed_display", "eta_display",
                    "attempts_display", "lease_owner", "retry_at", "created_at", "finished_at"]
    list_filter = ["state", "priority"]
    readonly_fields = ["delivery", "state", "priority", "progress_bar", "speed_display", "eta_display", "attempts",
                       "lease_owner", "lease_expires_at", "heartbeat_at", "retry_at", "package_dir", "task_result_id",
                       "error", "asset", "started_at", "finished_at"]
    exclude = ["progress", "speed", "eta_s"]

    @admin.display(description="progress")
    def progress_bar(self, job):
        pct = round(100 * job.progress)
        return format_html('<progress value="{}" max="100" aria-label="{}%">{}%</progress> {}%', pct, pct, pct, pct)

    @admin.display(description="speed")
    def speed_display(self, job):
        return job_line(job).speed

    @admin.display(description="ETA")
    def eta_display(self, job):
        return job_line(job).eta

    @admin.display(description="attempts")
    def attempts_display(self, job):
        return job_line(job).attempts
