"""Background jobs of the catalog: the periodic search-index rebuild (popularity, trending, genre counts) and the
precomputed home rows (top 10 per country, co-watching) that follow it."""

from django_tasks import task

from reelhouse.catalog import rankings, services


@task(queue_name="default")
def search_index_rebuild() -> int:
    """Recompute popularity, 7-day trending and genre sizes that browse rows and search ranking read, then the
    precomputed home rows (they rank by the fresh popularity). Queued by the scheduler of `reelhouse run`."""
    count = services.search_index_rebuild()
    rankings.home_rankings_refresh()
    return count


@task(queue_name="default")
def home_rankings_refresh() -> dict:
    """Recompute "Top 10 in <country>" and "Because you watched X" alone (an operator can queue it any time)."""
    return rankings.home_rankings_refresh()


@task(queue_name="default")
def availability_refresh_due() -> int:
    """Let rows and search follow licence windows that opened or closed since the entries were indexed (the
    scheduler queues this every minute; a cheap indexed lookup when nothing is due)."""
    return services.availability_refresh_due()


@task(queue_name="default")
def availability_refresh_for_licence(licence_id: int) -> int:
    """Move a licence's works to where its new territories and window allow (queued when it is saved: a worldwide
    licence covers most of the catalog, which is no work for the operator's request)."""
    return services.availability_refresh(licence_ids=[licence_id])
