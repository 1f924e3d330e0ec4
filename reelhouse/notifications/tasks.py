"""Background jobs of notifications: deliver one queued mail; the periodic sweep that sends due retries."""

from django_tasks import task

from reelhouse.notifications import delivery


@task(queue_name="default")
def mail_deliver(mail_id: int) -> str:
    return delivery.mail_deliver(pk=mail_id)


@task(queue_name="default")
def mail_send_due() -> int:
    return delivery.mail_send_due()
