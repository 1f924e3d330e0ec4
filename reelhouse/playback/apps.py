from django.apps import AppConfig


class PlaybackConfig(AppConfig):
    name = "reelhouse.playback"
    label = "playback"

    def ready(self):
        from reelhouse.playback import export

        export.register()  # this app's part of the personal data export
