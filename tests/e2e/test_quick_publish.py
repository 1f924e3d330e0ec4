"""A viewer who starts a new episode while only its quick rung is published keeps playing through the swap to the
full ladder; the next play (a reload) gets the full ladder."""

import pytest

from reelhouse.media import signals
from tests.conftest import deliver, scan_until_settled
from tests.e2e.conftest import QUALITY_HEIGHTS, screenshot
from tests.e2e.test_player import playing_past, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
EPISODE = "Night Ferry (2024)/Season 01/Night Ferry - S01E01 - Crossing.mkv"


def test_viewer_on_the_quick_rung_keeps_playing_through_the_swap(page, live_server, subscriber, licensed_source,
                                                                   clip_cache):
    seen: dict = {}

    def on_provisional(sender, *, asset, **kwargs) -> None:
        # The transcode is paused here (tests run tasks synchronously): only the quick rung exists yet.
        sign_in(page, live_server, subscriber)
        page.goto(f"{live_server.url}/watch/{asset.work_id}/")
        playing_past(page, 1.0)
        seen["heights"] = page.evaluate(QUALITY_HEIGHTS)
        seen["prefix"] = page.evaluate("window.reelhouseStreamPrefix()")
        seen["asset"] = asset.pk

    signals.package_provisional.connect(on_provisional, dispatch_uid="e2e_quick")
    try:
        deliver(licensed_source, EPISODE, clip_cache(seconds=16, size="854x480"))
        scan_until_settled(licensed_source)
    finally:
        signals.package_provisional.disconnect(dispatch_uid="e2e_quick")

    from reelhouse.catalog.models import Episode

    episode = Episode.objects.select_related("asset").get()
    assert seen["heights"] == [360] and f"/{seen['asset']}/" in seen["prefix"]
    assert not episode.asset.provisional and episode.asset_id != seen["asset"]

    # The full ladder is published now; the viewer's player is still on the quick package and keeps going.
    before = page.evaluate("document.getElementById('video').currentTime")
    playing_past(page, before + 1.5)
    assert page.evaluate(QUALITY_HEIGHTS) == [360]
    assert page.evaluate("document.getElementById('video').error") is None
    screenshot(page, "player-quick-rung-after-swap")

    page.reload()
    playing_past(page, 0.5)
    assert sorted(page.evaluate(QUALITY_HEIGHTS)) == [360, 480]
    assert f"/{episode.asset_id}/" in page.evaluate("window.reelhouseStreamPrefix()")
