from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "reelhouse.media"
    label = "media"

    def ready(self) -> None:
        from reelhouse.media import markers, signals

        signals.package_published.connect(markers.on_package_published, dispatch_uid="media.markers")
