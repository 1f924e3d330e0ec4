"""A work withdrawn on a notice cannot come back through a new delivery: the real pipeline (real ffmpeg, tiny
clips) quarantines it, saying which notice holds it; a running stream of it was ended."""

import pytest

from reelhouse.catalog.models import Episode
from reelhouse.ingest.models import Delivery
from reelhouse.playback.models import PlaybackSession
from reelhouse.playback.services import playback_start
from reelhouse.rights.models import Notice
from reelhouse.rights.notices import notice_decide
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)
EP1 = "Night Desk (2024)/Season 01/Night Desk - S01E01 - Pilot.mkv"


def test_a_new_delivery_cannot_republish_a_withdrawn_episode(licensed_source, clip_cache, subscriber):
    deliver(licensed_source, EP1, clip_cache(seconds=2, size="426x240"))
    scan_until_settled(licensed_source)
    episode = Episode.objects.get()
    assert episode.is_published
    session = playback_start(profile=subscriber.profiles.get(), work=episode)

    notice = Notice.objects.create(
        claimant_name="Ada", claimant_address="1 Rue X", claimant_email="ada@claim.example",
        works_claimed="Night Desk S01E01", scope="episode", urls=f"/watch/{episode.pk}/", explanation="Ours.",
        good_faith=True, accurate=True, signature="Ada", reference="RH-2026-000042")
    notice_decide(notice=notice, outcome="accepted", ground="Copyright", facts="The claimant holds the rights.")
    assert not Episode.objects.get().is_published
    assert PlaybackSession.objects.get(pk=session.pk).ended_at is not None  # the running stream was stopped

    deliver(licensed_source, "Night Desk (2024)/Season 01/Night.Desk.S01E01.1080p.WEB.mkv",
            clip_cache(seconds=2, size="854x480"))
    scan_until_settled(licensed_source)
    again = Delivery.objects.exclude(path=EP1).get()
    assert again.state == Delivery.State.QUARANTINED
    assert "withdrawn on notice RH-2026-000042" in again.reason and "cannot republish" in again.reason
    assert not Episode.objects.get().is_published
