from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "reelhouse.billing"
    label = "billing"
