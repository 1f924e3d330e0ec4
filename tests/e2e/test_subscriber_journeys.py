"""Whole journeys in a real browser, at phone, laptop and TV sizes: a visitor signs up, subscribes with a gift code
(the embedded path, no Stripe), watches an episode, reloads and resumes; a kids profile neither finds a mature
title in search or rows nor plays it by URL. Screenshots: test-artifacts/journey-<size>-<step>.png."""

import re
from pathlib import Path

import pytest
from django.core import mail

from reelhouse.accounts.models import User
from reelhouse.accounts.services import profile_create
from reelhouse.billing import services as billing
from reelhouse.catalog.models import Episode, Film
from reelhouse.playback.models import PlaybackSession, ResumePoint
from tests.conftest import deliver, scan_until_settled
from tests.e2e.conftest import screenshot
from tests.e2e.test_first_journey import video_time

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
SIZES = {"phone": (390, 844), "laptop": (1440, 900), "tv": (1920, 1080)}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def harbour_lights(licensed_source, clip_cache):
    for n, pattern in [(1, "testsrc2"), (2, "testsrc")]:
        deliver(licensed_source, f"Harbour Lights (2019)/Season 01/Harbour Lights - S01E0{n} - Part {n}.mkv",
                clip_cache(seconds=20, size="640x360", pattern=pattern))
    scan_until_settled(licensed_source)
    return list(Episode.objects.order_by("number"))


@pytest.mark.parametrize("size", SIZES)
def test_visitor_signs_up_subscribes_with_a_gift_code_watches_and_resumes_after_reload(
        browser, live_server, harbour_lights, size):
    code = billing.voucher_batch_create(name="Shop cards", plan=billing.plan_default(), months=1,
                                        count=1).vouchers.get().code
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    page = context.new_page()
    if size == "tv":  # the TV browser opens the landing page in TV mode (remembered for the whole journey)
        page.goto(f"{live_server.url}/welcome/?tv=1")
    else:
        page.goto(f"{live_server.url}/")
        page.wait_for_url("**/welcome/")
    assert page.evaluate("document.documentElement.classList.contains('tv')") == (size == "tv")
    wide = [] if no_sideways_scroll(page) else ["landing"]
    page.locator("main").get_by_role("link", name="Sign up").click()
    page.wait_for_url("**/accounts/signup/")
    page.get_by_label("Email").fill(f"new-{size}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Country").select_option("FR")
    screenshot(page, f"journey-{size}-signup")
    wide += [] if no_sideways_scroll(page) else ["signup"]
    page.get_by_role("button", name="Create account").click()
    # The same answer whether or not the address has an account: check the inbox, confirm, sign in.
    assert "Check your inbox" in page.get_by_role("heading").first.inner_text()
    assert User.objects.get(email=f"new-{size}@example.com").country == "FR"
    [message] = [m for m in mail.outbox if m.to == [f"new-{size}@example.com"]]
    page.goto(re.search(r"https?://\S+", message.body).group(0))
    assert "is confirmed" in page.locator("main").inner_text()
    page.locator("main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(f"new-{size}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    # Not subscribed yet: the player says so, and where to go.
    page.goto(f"{live_server.url}/watch/{harbour_lights[0].pk}/")
    assert "subscription is not active" in page.get_by_role("alert").inner_text()
    page.get_by_role("link", name="Choose a plan").click()
    page.wait_for_url("**/account/")
    page.get_by_label("Gift code").fill(code)
    page.get_by_role("button", name="Redeem", exact=True).click()
    assert "Gift code redeemed" in page.get_by_role("status").inner_text()
    screenshot(page, f"journey-{size}-subscribed")
    wide += [] if no_sideways_scroll(page) else ["account"]

    # Find the series from home and play the first episode.
    page.goto(f"{live_server.url}/")
    page.locator("main").get_by_role("link", name="Harbour Lights").first.click()
    page.wait_for_url("**/series/harbour-lights-2019/")
    page.get_by_role("link", name="Part 1").click()
    page.wait_for_url(f"**/watch/{harbour_lights[0].pk}/")
    page.wait_for_function("document.getElementById('video').currentTime > 4", timeout=30_000)
    page.evaluate("document.getElementById('video').pause()")
    stopped_at = video_time(page)
    page.wait_for_function("document.getElementById('video').paused")
    assert page.locator("#subtitles").is_hidden() and page.locator("#audio").is_hidden()  # none to choose from
    screenshot(page, f"journey-{size}-watching")
    wide += [] if no_sideways_scroll(page) else ["watch"]

    # Reload, as after closing the laptop lid: the same profile picks up where it stopped, not from the start.
    page.reload()
    page.wait_for_function("document.getElementById('video').currentTime > 0.5", timeout=30_000)
    resumed_at = video_time(page)
    assert resumed_at >= stopped_at - 1.5, (stopped_at, resumed_at)
    point = ResumePoint.objects.get(work=harbour_lights[0])
    assert point.position_s == pytest.approx(stopped_at, abs=1.5) and not point.watched
    page.evaluate("document.getElementById('video').pause()")
    screenshot(page, f"journey-{size}-resumed")
    context.close()
    assert wide == []


@pytest.fixture
def rated_catalog(licensed_source, clip_cache):
    """A mature series and film (TV-MA, R) and a children's series (TV-Y), through the real pipeline with the
    ratings in NFO sidecars, as a licensor delivers them."""
    root = Path(licensed_source.path)
    deliver(licensed_source, "Night Harbour (2022)/Season 01/Night Harbour - S01E01 - Knives.mkv",
            clip_cache(seconds=4, size="640x360", pattern="testsrc"))
    (root / "Night Harbour (2022)/tvshow.nfo").write_text(
        "<tvshow><title>Night Harbour</title><year>2022</year><mpaa>TV-MA</mpaa></tvshow>")
    deliver(licensed_source, "Harbour Blood (2021)/Harbour Blood (2021).mkv",
            clip_cache(seconds=4, size="640x360", pattern="smptebars"))
    (root / "Harbour Blood (2021)/Harbour Blood (2021).nfo").write_text(
        "<movie><title>Harbour Blood</title><year>2021</year><mpaa>Rated R</mpaa></movie>")
    deliver(licensed_source, "Harbour Pups (2020)/Season 01/Harbour Pups - S01E01 - Splash.mkv",
            clip_cache(seconds=4, size="640x360", pattern="testsrc2"))
    (root / "Harbour Pups (2020)/tvshow.nfo").write_text(
        "<tvshow><title>Harbour Pups</title><year>2020</year><mpaa>TV-Y</mpaa></tvshow>")
    scan_until_settled(licensed_source)
    mature_episode = Episode.objects.get(title="Knives")
    mature_film = Film.objects.get(title="Harbour Blood")
    kids_episode = Episode.objects.get(title="Splash")
    assert (mature_episode.maturity, mature_film.maturity, kids_episode.maturity) == (17, 17, 0)
    return {"mature_episode": mature_episode, "mature_film": mature_film, "kids_episode": kids_episode}


def test_kids_profile_cannot_find_or_open_a_mature_title(browser, live_server, subscriber, rated_catalog):
    profile_create(user=subscriber, name="Mia", is_kids=True, max_maturity=7)
    mature_film, mature_episode = rated_catalog["mature_film"], rated_catalog["mature_episode"]
    for size, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
        page = context.new_page()
        tv = "?tv=1" if size == "tv" else ""
        page.goto(f"{live_server.url}/accounts/login/{tv}")
        assert page.evaluate("document.documentElement.classList.contains('tv')") == (size == "tv")
        page.get_by_label("Email").fill(subscriber.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/accounts/profiles/**")
        page.get_by_role("button", name="Mia").click()
        page.wait_for_url(f"{live_server.url}/")

        # Rows: the children's series is there, neither mature title is.
        main = page.locator("main")
        assert main.get_by_role("link", name="Harbour Pups").count() >= 1
        assert "Night Harbour" not in main.inner_text() and "Harbour Blood" not in main.inner_text()
        screenshot(page, f"journey-{size}-kids-home")

        # Search, instant results and the results page: only what the profile may see.
        box = page.get_by_role("searchbox").first
        box.fill("harbour")
        page.locator("#suggestions li").first.wait_for(state="visible")
        suggested = page.locator("#suggestions").inner_text()
        assert "Harbour Pups" in suggested and "Night Harbour" not in suggested and "Harbour Blood" not in suggested
        box.press("Enter")
        page.wait_for_url("**/search/?q=harbour*")
        results = page.locator("main").inner_text()
        assert "Harbour Pups" in results
        assert "Night Harbour" not in results and "Harbour Blood" not in results and "Knives" not in results
        screenshot(page, f"journey-{size}-kids-search")

        # By URL: the series and film pages are not there, the player refuses and says why.
        assert page.goto(f"{live_server.url}/series/night-harbour-2022/").status == 404
        assert page.goto(f"{live_server.url}/films/{mature_film.slug}/").status == 404
        response = page.goto(f"{live_server.url}/watch/{mature_episode.pk}/")
        assert response.status == 403
        assert ("rated above what the profile Mia may watch" in page.get_by_role("alert").inner_text())
        assert page.get_by_role("heading", name="This cannot play right now").is_visible()
        assert "ask the account holder to raise this profile's age limit" in page.locator("#refusal-help").inner_text()
        assert page.get_by_role("link", name="Switch profile").count() >= 1
        assert page.locator("video").count() == 0
        screenshot(page, f"journey-{size}-kids-refused")
        assert no_sideways_scroll(page), size
        context.close()
    assert not PlaybackSession.objects.filter(work_id__in=[mature_film.pk, mature_episode.pk]).exists()
