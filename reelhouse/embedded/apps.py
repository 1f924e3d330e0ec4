from django.apps import AppConfig


class EmbeddedConfig(AppConfig):
    """The assembled service on one machine: the `run` command and the demo library."""

    name = "reelhouse.embedded"
    label = "embedded"
