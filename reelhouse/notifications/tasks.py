"""Background jobs of notifications: deliver one queued mail and the periodic sweep of due retries (both defined in
delivery.py, beside what they run), and the daily new-episode digest, the
reminders (renewal, prepaid term ending, download expiry)."""

from django_tasks import task

from reelhouse.notifications import announcements, digest, reminders
from reelhouse.notifications.delivery import mail_deliver_task as mail_deliver
from reelhouse.notifications.delivery import mail_send_due_task as mail_send_due

__all__ = ["announcements_mail_due", "mail_deliver", "mail_send_due", "new_episode_digest_send", "reminders_send"]


@task(queue_name="default")
def new_episode_digest_send() -> int:
    return digest.new_episode_digest_send()


@task(queue_name="default")
def reminders_send() -> dict:
    return reminders.reminders_send()


@task(queue_name="default")
def announcements_mail_due() -> int:
    return announcements.announcements_mail_due()
