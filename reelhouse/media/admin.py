from django import forms
from django.contrib import admin
from django.utils.html import format_html

from reelhouse.core.operator_admin import OperatorAdmin
from reelhouse.media.markers import MarkerError, marker_check, marker_set_by_operator
from reelhouse.media.models import Asset, Marker, Rendition, TranscodeJob
from reelhouse.media.selectors import job_line


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    readonly_fields = ["name", "width", "height", "bandwidth", "codecs"]


@admin.register(Asset)
class AssetAdmin(OperatorAdmin):
    list_display = ["id", "work", "width", "height", "duration_s", "created_at"]
    raw_id_fields = ["work", "delivery"]
    inlines = [RenditionInline]


@admin.register(TranscodeJob)
class TranscodeJobAdmin(OperatorAdmin):
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


class MarkerForm(forms.ModelForm):
    class Meta:
        model = Marker
        fields = ["work", "kind", "start_s", "end_s"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                marker_check(work=data["work"], kind=data["kind"], start_s=data["start_s"], end_s=data["end_s"])
            except MarkerError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(Marker)
class MarkerAdmin(OperatorAdmin):
    """Operators correct detected intros and credits here; a marker saved here is theirs and detection keeps it."""

    form = MarkerForm
    list_display = ["work", "kind", "start_s", "end_s", "source", "confidence", "updated_at"]
    list_filter = ["kind", "source"]
    search_fields = ["work__title"]
    raw_id_fields = ["work"]
    fields = ["work", "kind", "start_s", "end_s", "source", "confidence", "asset", "updated_at"]
    readonly_fields = ["source", "confidence", "asset", "updated_at"]

    def save_model(self, request, obj, form, change):
        if change and "kind" in form.changed_data:  # moved to the other kind: the old row goes
            Marker.objects.filter(pk=obj.pk).delete()
        saved = marker_set_by_operator(work=obj.work, kind=obj.kind, start_s=obj.start_s, end_s=obj.end_s,
                                       actor=request.user)
        obj.pk, obj.source, obj.confidence = saved.pk, saved.source, saved.confidence
