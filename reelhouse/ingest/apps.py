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
