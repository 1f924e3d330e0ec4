"""Background jobs of ingest: thin wrappers over services."""

from django_tasks import task

from reelhouse.ingest import services
from reelhouse.ingest.models import Delivery, Source


@task(queue_name="default")
def delivery_process(delivery_id: int) -> str:
    delivery = services.delivery_process(delivery=Delivery.objects.select_related("source").get(pk=delivery_id))
    return delivery.state


@task(queue_name="default")
def feed_fetch(source_id: int) -> dict:
    return services.feed_read_and_download(source=Source.objects.select_related("licence").get(pk=source_id),
                                           on_delivery=delivery_process.enqueue)
