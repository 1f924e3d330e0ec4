from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "reelhouse.ingest"
    label = "ingest"

    def ready(self) -> None:
        from reelhouse.ingest import export

        export.register()  # this app's part of the personal data export
        from reelhouse.ingest import services
        from reelhouse.media import signals

        signals.package_published.connect(services.on_package_published, dispatch_uid="ingest.published")
        signals.package_failed.connect(services.on_package_failed, dispatch_uid="ingest.failed")
        signals.package_vetting.connect(services.on_package_vetting, dispatch_uid="ingest.vetting")
        _periodic_register()
        from reelhouse.ingest.selectors import sources_of_work
        from reelhouse.rights.strikes import source_finder_register

        source_finder_register(sources_of_work)  # an accepted notice strikes the sources that delivered the work
        from reelhouse.ingest.provenance import ingest_provenance
        from reelhouse.rights.provenance import provenance_builder_register

        provenance_builder_register(ingest_provenance)  # `reelhouse rights provenance` and the provenance page
        from reelhouse.core import jobs
        from reelhouse.ingest import tasks
        from reelhouse.ingest.models import DeliveryJob, FeedFetchJob

        # Both are idempotent: a run taken back from a dead worker is simply run again.
        jobs.job_kind_register(model=DeliveryJob, task=tasks.delivery_process)
        jobs.job_kind_register(model=FeedFetchJob, task=tasks.feed_fetch)


def _periodic_register() -> None:
    """Watch-folder scans and the ingest beat (due feeds, embargoes) run in the scheduler itself (they only queue
    work); the inotify notifier runs beside it so new files are noticed at once."""
    from django.conf import settings

    from reelhouse.core import scheduler
    from reelhouse.ingest import dispatch

    every = lambda: settings.REELHOUSE_SCAN_INTERVAL  # noqa: E731
    scheduler.periodic_register(name="ingest.sources_scan", every=every, run=dispatch.sources_scan)
    scheduler.periodic_register(name="ingest.tick", every=every, run=dispatch.ingest_tick)

    def notifier_start():
        from reelhouse.ingest.watch import WatchNotifier

        notifier = WatchNotifier().start()
        notifier.ready.wait(10)
        return notifier.stop

    scheduler.companion_register(name="ingest.watch", start=notifier_start)
