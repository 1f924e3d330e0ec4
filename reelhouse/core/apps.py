from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reelhouse.core"
    label = "core"
