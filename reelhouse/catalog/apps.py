from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "reelhouse.catalog"
    label = "catalog"
