"""Background jobs of ingest: thin wrappers over services, each run under a lease (core.jobs.job_run), on its own
queue."""

from django_tasks import task

from reelhouse.core.jobs import job_run
from reelhouse.core.logs import delivery_correlation
from reelhouse.ingest import services
from reelhouse.ingest.models import Delivery, DeliveryJob, FeedFetchJob, Source


@task(queue_name="ingest")
def delivery_process(job_id: int) -> str:
    def work(job):
        with delivery_correlation(job.delivery_id):
            services.delivery_process(delivery=Delivery.objects.select_related("source").get(pk=job.delivery_id))

    return job_run(model=DeliveryJob, pk=job_id, work=work)


@task(queue_name="feeds")
def feed_fetch(job_id: int) -> str:
    from reelhouse.ingest.jobs import delivery_process_queue

    return job_run(model=FeedFetchJob, pk=job_id, work=lambda job: services.feed_read_and_download(
        source=Source.objects.select_related("licence").get(pk=job.source_id), on_delivery=delivery_process_queue))
