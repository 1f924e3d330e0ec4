"""The periodic rebuild that the scheduler queues: genre sizes and trending come from it."""

from pathlib import Path

import pytest

from reelhouse.catalog.models import Genre
from reelhouse.catalog.tasks import search_index_rebuild
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_queued_rebuild_counts_titles_per_genre(licensed_source, clip_cache):
    deliver(licensed_source, "Quiet Hours (2018)/Quiet Hours (2018).mp4", clip_cache(seconds=2, size="640x360"))
    (Path(licensed_source.path) / "Quiet Hours (2018)/movie.nfo").write_text(
        "<movie><title>Quiet Hours</title><year>2018</year><genre>Drama</genre></movie>")
    scan_until_settled(licensed_source)
    result = search_index_rebuild.enqueue()  # the ImmediateBackend runs it here; the db worker in `run`
    assert result.return_value >= 1
    assert Genre.objects.get(name="Drama").title_count == 1
