from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "reelhouse.rights"
    label = "rights"
