"""Background jobs of rights: restoring works whose counter-notice period ran out."""

from django_tasks import task


@task(queue_name="default")
def counter_notices_restore_due() -> int:
    from reelhouse.rights.counter_notices import counter_notices_restore_due as restore

    return len(restore())
