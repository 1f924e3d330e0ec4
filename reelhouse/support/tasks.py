"""Background jobs of the support desk: thin wrappers that call its services."""

from django_tasks import task

from reelhouse.support.mailbox import mailbox_poll
from reelhouse.support.services import tickets_close_resolved


@task(queue_name="default")
def mailbox_poll_task() -> dict:
    result = mailbox_poll()
    return {"read": result.read, "outcomes": result.outcomes, "errors": result.errors}


@task(queue_name="default")
def tickets_close_resolved_task() -> int:
    return tickets_close_resolved()
