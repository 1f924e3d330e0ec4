"""Background jobs of media: transcodes run on their own queue; core.jobs keeps them alive across crashes."""

from django.db import transaction
from django_tasks import task

from reelhouse.media import services
from reelhouse.media.markers import season_markers_detect


@task(queue_name="transcode")
def transcode_run(job_id: int) -> str:
    return services.transcode_job_run(job_id=job_id)


@task(queue_name="default")
def markers_detect(season_id: int) -> str:
    """Find intro and credits markers of a season's episodes (run after each of its episodes is published)."""
    from reelhouse.catalog.models import Season

    season = Season.objects.filter(pk=season_id).first()
    if season is None:
        return "no such season"
    result = season_markers_detect(season=season)
    return f"{result.episodes} episodes: {result.intros} intros, {result.credits} credits"


def on_package_published(sender, *, asset, **kwargs) -> None:
    """After an episode's package is published: queue marker detection for its season once it has two or more
    published episodes (after the publish commits, so the detection never holds the publish transaction)."""
    from reelhouse.catalog.models import Episode

    season_id = Episode.objects.filter(pk=asset.work_id).values_list("season_id", flat=True).first()
    if season_id is None:
        return
    if Episode.objects.filter(season_id=season_id, asset__isnull=False, asset__provisional=False).count() < 2:
        return
    transaction.on_commit(lambda: markers_detect.enqueue(season_id))
