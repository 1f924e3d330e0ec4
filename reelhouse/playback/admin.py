from django.contrib import admin

from reelhouse.core.operator_admin import OperatorAdmin
from reelhouse.playback.models import PlaybackSession, ResumePoint


@admin.register(PlaybackSession)
class PlaybackSessionAdmin(OperatorAdmin):
    list_display = ["id", "profile", "work", "started_at", "last_heartbeat_at", "ended_at", "ended_reason"]
    raw_id_fields = ["profile", "work", "asset"]


@admin.register(ResumePoint)
class ResumePointAdmin(OperatorAdmin):
    list_display = ["profile", "work", "position_s", "duration_s", "watched", "updated_at"]
    raw_id_fields = ["profile", "work"]
