from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "reelhouse.catalog"
    label = "catalog"

    def ready(self):
        from reelhouse.catalog import export

        export.register()  # this app's part of the personal data export
        from reelhouse.catalog import signals
        from reelhouse.catalog.models import Work

        signals.work_available.connect(_index_available_work, sender=Work, dispatch_uid="catalog.search_index")
        # Rights decides (licences, withdrawals on notices); catalog acts on what it decided.
        from reelhouse.catalog import rights_receivers
        from reelhouse.rights import notices
        from reelhouse.rights import signals as rights_signals

        rights_signals.licence_changed.connect(rights_receivers.licence_changed, dispatch_uid="catalog.licence")
        rights_signals.work_withdrawn.connect(rights_receivers.work_withdrawn, dispatch_uid="catalog.withdrawn")
        rights_signals.work_restored.connect(rights_receivers.work_restored, dispatch_uid="catalog.restored")
        notices.url_resolver_register(rights_receivers.works_for_url)
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
