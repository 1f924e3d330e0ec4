from django.apps import AppConfig
from django.db.models.signals import post_save


class CatalogConfig(AppConfig):
    name = "reelhouse.catalog"
    label = "catalog"

    def ready(self):
        from reelhouse.catalog import export

        export.register()  # this app's part of the personal data export
        from reelhouse.catalog import signals
        from reelhouse.catalog.models import Work

        signals.work_available.connect(_index_available_work, sender=Work, dispatch_uid="catalog.search_index")
        post_save.connect(_licence_changed, sender="rights.Licence", dispatch_uid="catalog.licence_changed")
        from reelhouse.catalog import tasks
        from reelhouse.core import scheduler

        # Search index, trending, top 10 and co-watching rows; availability windows that opened or closed.
        scheduler.periodic_register(name="catalog.search_index_rebuild", every=30 * 60, first=60,
                                    task=tasks.search_index_rebuild)
        scheduler.periodic_register(name="catalog.availability_refresh_due", every=60, first=45,
                                    task=tasks.availability_refresh_due)


def _index_available_work(sender, work, **kwargs):
    from reelhouse.catalog.services import search_entries_sync

    search_entries_sync(work=work)


def _licence_changed(sender, instance, raw=False, **kwargs):
    """A licence's territories or window changed: its works' entries follow in the next job (not at the next
    rebuild), queued in the same transaction as the change."""
    from reelhouse.catalog.tasks import availability_refresh_for_licence

    if not raw:
        availability_refresh_for_licence.enqueue(instance.pk)
