"""The demo library goes through the real pipeline: every clip is identified, licensed, packaged, published."""

from pathlib import Path

import pytest
from django.conf import settings

from reelhouse.catalog.models import Episode, Film, Series
from reelhouse.embedded.demo_library import FILMS, SERIES, build_demo_library
from reelhouse.ingest.models import Delivery
from reelhouse.media.probe import probe
from tests.conftest import scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_library_is_published_by_the_real_pipeline(licensed_source):
    videos = build_demo_library(Path(licensed_source.path), seconds=1.0)
    assert len(videos) == 2 * 2 * 3 + 2 == len(FILMS) + sum(len(e) for s in SERIES for e in s.episodes.values())
    first = probe(videos[0])
    assert (first.width, first.height) == (1280, 720) and first.audio  # 720p source, with sound

    scan_until_settled(licensed_source)
    problems = list(Delivery.objects.exclude(state=Delivery.State.PUBLISHED).values_list("path", "reason"))
    assert problems == []
    assert Series.objects.count() == 2 and Episode.objects.count() == 12 and Film.objects.count() == 2
    assert all(s.poster and (Path(settings.MEDIA_ROOT) / s.poster).is_file() for s in Series.objects.all())
    assert all(f.poster for f in Film.objects.all())
    episode = Episode.objects.get(series__title="Harbour Lights", season__number=2, number=3)
    assert episode.title == SERIES[0].episodes[2][2] and episode.air_date is not None
    assert episode.synopsis.startswith("Harbour Lights, season 2 episode 3")
