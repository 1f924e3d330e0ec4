"""Background jobs of the catalog: the periodic search-index rebuild (popularity, trending, genre counts)."""

from django_tasks import task

from reelhouse.catalog import services


@task(queue_name="default")
def search_index_rebuild() -> int:
    """Recompute popularity, 7-day trending and genre sizes that browse rows and search ranking read."""
    return services.search_index_rebuild()
