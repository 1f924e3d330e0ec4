"""Background jobs of core: the hourly clean-up of rate-limit counters whose window and lockout are over."""

from django_tasks import task

from reelhouse.core import throttle


@task(queue_name="default")
def throttles_purge() -> int:
    return throttle.throttles_purge()
