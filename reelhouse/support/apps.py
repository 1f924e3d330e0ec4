from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "reelhouse.support"
    default_auto_field = "django.db.models.BigAutoField"
