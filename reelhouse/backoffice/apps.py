from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "reelhouse.backoffice"
    label = "backoffice"
    verbose_name = "Back office dashboards"
