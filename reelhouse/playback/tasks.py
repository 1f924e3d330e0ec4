"""Background jobs of playback: ending streams when an entitlement goes away (queued by the receivers in
receivers.py, so the event's own transaction stays short)."""

from django_tasks import task

from reelhouse.playback import services


@task(queue_name="default")
def playback_sessions_end(user_id: int, reason: str) -> int:
    """End every open stream of the account (signed out everywhere)."""
    return services.playback_sessions_end(user_id=user_id, reason=reason)


@task(queue_name="default")
def playback_sessions_recheck(user_id: int | None = None, work_ids: list[int] | None = None,
                              licence_id: int | None = None) -> int:
    """End the open streams of the account, works or licence that the entitlement rule now refuses."""
    return services.playback_sessions_recheck(user_id=user_id, work_ids=work_ids, licence_id=licence_id)
