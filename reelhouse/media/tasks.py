"""Background jobs of media: transcodes run on their own queue; core.jobs keeps them alive across crashes."""

from django_tasks import task

from reelhouse.media import services


@task(queue_name="transcode")
def transcode_run(job_id: int) -> str:
    return services.transcode_job_run(job_id=job_id)
