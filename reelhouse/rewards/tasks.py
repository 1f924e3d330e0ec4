"""Background jobs of the rewards programme: the daily stamps expiry."""

from django_tasks import task

from reelhouse.rewards import services


@task(queue_name="default")
def stamps_expire() -> int:
    """Expire stamps older than REELHOUSE_STAMPS_EXPIRE_MONTHS (nothing when it is 0); safe to run twice."""
    return services.stamps_expire()
