from django.apps import AppConfig


class PlaybackConfig(AppConfig):
    name = "reelhouse.playback"
    label = "playback"
