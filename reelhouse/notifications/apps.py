from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "reelhouse.notifications"
    label = "notifications"

    def ready(self) -> None:
        from reelhouse.notifications import export

        export.register()  # this app's part of the personal data export
        from reelhouse.core.mailing import mail_queue_register
        from reelhouse.notifications.mail import mail_queue

        mail_queue_register(mail_queue)  # accounts and rights send mail through core.mail
        from reelhouse.catalog import signals
        from reelhouse.notifications import services

        signals.work_available.connect(services.on_work_available, dispatch_uid="notifications.work_available")
        from reelhouse.rights import signals as rights_signals

        rights_signals.work_withdrawn.connect(services.on_work_withdrawn, dispatch_uid="notifications.withdrawn")

        from reelhouse.core import scheduler
        from reelhouse.notifications import tasks

        # Mail whose retry is due (the SMTP server was unreachable), and senders that died mid-send.
        scheduler.periodic_register(name="notifications.mail_send_due", every=60, first=30, task=tasks.mail_send_due)
        # New episodes of followed series: one digest mail a day instead of one mail per episode.
        scheduler.periodic_register(name="notifications.new_episode_digest", every=24 * 3600, first=600,
                                    task=tasks.new_episode_digest_send)
        # Renewal coming up, prepaid term ending, downloads expiring: each event mailed once (ReminderSent).
        scheduler.periodic_register(name="notifications.reminders", every=3600, first=900, task=tasks.reminders_send)
        # Announcements marked for mail, once published: mailed once to their audience.
        scheduler.periodic_register(name="notifications.announcements_mail", every=600, first=120,
                                    task=tasks.announcements_mail_due)
        # The status page follows /readyz's checks and the job queue: run in the scheduler itself, so a stuck job
        # queue is still noticed.
        from reelhouse.notifications import status

        scheduler.periodic_register(name="notifications.status_monitor", every=60, first=45, run=status.status_monitor)
