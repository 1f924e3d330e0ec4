"""Background jobs of rights: restoring works whose counter-notice period ran out; warning operators of licences
that end soon."""

from django_tasks import task


@task(queue_name="default")
def counter_notices_restore_due() -> int:
    from reelhouse.rights.counter_notices import counter_notices_restore_due as restore

    return len(restore())


@task(queue_name="default")
def licence_end_warnings_send() -> int:
    from reelhouse.rights.lifecycle import licence_end_warnings_send as send

    return len(send())
