"""Playback sessions belong to the browser playing them, tried as a viewer would: reloading the player on a
one-stream plan keeps playing (the device takes over its own session), leaving the page ends the session at once
(the pagehide beacon), and a reload right after playing resumes where the viewer was."""

import pytest

from tests.conftest import deliver, scan_until_settled
from tests.e2e.conftest import screenshot
from tests.e2e.test_player import playing_past, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TIME = "document.getElementById('video').currentTime"


@pytest.fixture
def film(licensed_source, clip_cache):
    deliver(licensed_source, "Slow Tide (2022)/Slow Tide (2022).mkv", clip_cache(seconds=20, size="854x480"))
    scan_until_settled(licensed_source)
    from reelhouse.catalog.models import Film

    return Film.objects.get()


@pytest.fixture
def one_stream_plan(subscriber):
    from reelhouse.billing.selectors import subscription_current

    plan = subscription_current(user=subscriber).plan
    plan.max_streams = 1
    plan.save(update_fields=["max_streams"])
    return plan


def sessions(**filters):
    from reelhouse.playback.models import PlaybackSession

    return list(PlaybackSession.objects.filter(**filters).order_by("started_at"))


def wait_until(page, condition, what: str, tries: int = 100):
    """Poll the database (the beacon is asynchronous) until `condition()` holds; fail saying what never happened."""
    for _ in range(tries):
        if condition():
            return
        page.wait_for_timeout(100)
    pytest.fail(f"never happened: {what}")


def test_reloading_twice_on_a_one_stream_plan_keeps_playing(page, live_server, subscriber, film, one_stream_plan,
                                                            browser):
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{film.pk}/")
    playing_past(page, 0.5)
    for _ in range(2):  # today the second play on this browser was refused: "1 streams playing now"
        page.reload()
        playing_past(page, 0.5)
        assert page.locator("#player-message").is_hidden()
    wait_until(page, lambda: len(sessions(ended_at__isnull=True)) == 1, "one open session after two reloads")
    assert len(sessions()) == 3 and all(s.ended_reason in ("left", "takeover") for s in sessions()[:2])
    screenshot(page, "player-reloaded-twice")

    # Another browser of the same account is a second device: refused, and the page names the one playing.
    other = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    try:
        second = other.new_page()
        sign_in(second, live_server, subscriber)
        response = second.goto(f"{live_server.url}/watch/{film.pk}/")
        assert response.status == 403
        assert "allows 1 stream(s)" in second.locator("[role=alert]").inner_text()
        assert second.locator("form[action*='/account/streams/']").count() == 1
    finally:
        other.close()


def test_leaving_the_page_ends_the_session(page, live_server, subscriber, film, one_stream_plan):
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{film.pk}/")
    playing_past(page, 1.0)
    [playing] = sessions(ended_at__isnull=True)
    page.goto(f"{live_server.url}/")  # navigate away: the pagehide beacon ends the session
    wait_until(page, lambda: sessions(pk=playing.pk, ended_at__isnull=False), "the session ended on leaving")
    assert sessions(pk=playing.pk)[0].ended_reason == "left"
    from reelhouse.playback.selectors import sessions_live

    assert not sessions_live(user=subscriber).exists()  # its slot is free at once, not 90 s later


def test_a_reload_right_after_playing_resumes_where_the_viewer_was(page, live_server, subscriber, film):
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{film.pk}/")
    playing_past(page, 4.0)  # no heartbeat yet (every 30 s) and no pause: only the leaving beacon knows where we are
    at = page.evaluate(TIME)
    page.reload()
    playing_past(page, 0.2)
    resumed = page.evaluate(TIME)
    assert resumed >= at - 1.0, (at, resumed)
    from reelhouse.playback.models import ResumePoint

    assert ResumePoint.objects.get().position_s >= at


def test_the_watch_page_says_why_a_running_stream_was_stopped(page, live_server, subscriber, film, monkeypatch):
    from reelhouse.billing.services import access_shorten
    from reelhouse.playback import conf as playback_conf

    monkeypatch.setattr(playback_conf, "HEARTBEAT_SECONDS", 2)  # the next heartbeat comes soon
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{film.pk}/")
    playing_past(page, 1.0)
    access_shorten(user=subscriber, months=1, reason="refunded in full")  # the subscription ends now
    wait_until(page, lambda: sessions(ended_reason="subscription"), "the running stream was ended by the job")
    message = page.locator("#player-message")
    message.wait_for(state="visible", timeout=15_000)
    assert "Your subscription ended" in message.inner_text()
    assert page.evaluate("document.getElementById('video').paused")
    screenshot(page, "player-stopped-subscription-ended")
