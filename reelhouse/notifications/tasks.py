"""Background jobs of notifications: deliver one queued mail; the periodic sweep that sends due retries."""

from django_tasks import task

from reelhouse.notifications import mail


@task(queue_name="default")
def mail_deliver(mail_id: int) -> str:
    return mail.mail_deliver(pk=mail_id)


@task(queue_name="default")
def mail_send_due() -> int:
    return mail.mail_send_due()
