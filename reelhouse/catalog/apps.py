from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "reelhouse.catalog"
    label = "catalog"

    def ready(self):
        from reelhouse.catalog import signals
        from reelhouse.catalog.models import Work

        signals.work_available.connect(_index_available_work, sender=Work, dispatch_uid="catalog.search_index")


def _index_available_work(sender, work, **kwargs):
    from reelhouse.catalog.services import search_entries_sync

    search_entries_sync(work=work)
