"""Background jobs of billing: the daily dunning reminders."""

from django_tasks import task

from reelhouse.billing import services


@task(queue_name="default")
def dunning_reminders_send() -> int:
    """Remind past-due subscribers once before their grace period ends."""
    return services.dunning_reminders_send()
