from django.contrib import admin

from reelhouse.playback.models import PlaybackSession, ResumePoint


@admin.register(PlaybackSession)
class PlaybackSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "profile", "work", "started_at", "last_heartbeat_at", "ended_at", "ended_reason"]
    raw_id_fields = ["profile", "work", "asset"]


@admin.register(ResumePoint)
class ResumePointAdmin(admin.ModelAdmin):
    list_display = ["profile", "work", "position_s", "duration_s", "watched", "updated_at"]
    raw_id_fields = ["profile", "work"]
