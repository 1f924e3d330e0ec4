from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "reelhouse.support"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reelhouse.core import scheduler
        from reelhouse.support import conf, export, tasks

        export.register()

        scheduler.periodic_register(name="support.mailbox_poll", every=conf.poll_seconds, first=90,
                                    task=tasks.mailbox_poll_task)
        scheduler.periodic_register(name="support.tickets_close_resolved", every=6 * 3600, first=600,
                                    task=tasks.tickets_close_resolved_task)
