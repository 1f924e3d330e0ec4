from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "reelhouse.rights"
    label = "rights"

    def ready(self):
        from reelhouse.core import scheduler
        from reelhouse.rights import export, tasks

        export.register()  # this app's part of the personal data export
        from django.db.models.signals import post_delete, post_save

        from reelhouse.rights import signals
        from reelhouse.rights.models import Licence

        for model_signal in (post_save, post_delete):  # a licence edited anywhere (admin, shell) is the event
            model_signal.connect(signals.licence_saved, sender=Licence,
                                 dispatch_uid=f"rights.licence_changed.{model_signal is post_save}")

        # Works whose counter-notice period ran out (no court action reported) come back.
        scheduler.periodic_register(name="rights.counter_notices_restore", every=3600, first=300,
                                    task=tasks.counter_notices_restore_due)
        # Operators are mailed when a licence comes within a warning threshold (once per licence and threshold).
        scheduler.periodic_register(name="rights.licence_end_warnings", every=3600, first=120,
                                    task=tasks.licence_end_warnings_send)
