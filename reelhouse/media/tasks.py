"""Background jobs of media: transcodes run on their own queue; core.jobs keeps them alive across crashes."""

from django_tasks import task

from reelhouse.media import services


@task(queue_name="transcode")
def transcode_run(job_id: int) -> str:
    return services.transcode_job_run(job_id=job_id)


@task(queue_name="default")
def markers_detect(season_id: int) -> str:
    """Find intro and credits markers of a season's episodes (run after each of its episodes is published)."""
    from reelhouse.catalog.models import Season
    from reelhouse.media.markers import season_markers_detect

    season = Season.objects.filter(pk=season_id).first()
    if season is None:
        return "no such season"
    result = season_markers_detect(season=season)
    return f"{result.episodes} episodes: {result.intros} intros, {result.credits} credits"
