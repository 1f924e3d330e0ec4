from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "reelhouse.rights"
    label = "rights"

    def ready(self):
        from reelhouse.core import scheduler
        from reelhouse.rights import export, tasks

        export.register()  # this app's part of the personal data export

        # Works whose counter-notice period ran out (no court action reported) come back.
        scheduler.periodic_register(name="rights.counter_notices_restore", every=3600, first=300,
                                    task=tasks.counter_notices_restore_due)
