"""Background jobs of media: transcodes run on their own queue."""

from django_tasks import task

from reelhouse.media import services
from reelhouse.media.models import TranscodeJob


@task(queue_name="transcode")
def transcode_run(job_id: int) -> str:
    job = TranscodeJob.objects.select_related("delivery__source", "delivery__work").get(pk=job_id)
    return services.transcode_job_run(job=job).state
