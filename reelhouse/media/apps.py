from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "reelhouse.media"
    label = "media"
