"""What subscribers know from the leading services, in a real browser at phone, laptop and TV widths: an episode
list with a still (the package's frame when the delivery brings none), synopsis, duration and a progress bar per
episode; a featured title at the top of the home page; form controls on the account page that are legible and
large enough to hit. The home rows are rendered by the server with the page, so there is nothing to show a skeleton
for while they load."""

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_player import sign_in, three_episodes  # noqa: F401 - the fixture is used by name

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WIDTHS = {"phone": (390, 844), "laptop": (1280, 800), "tv": (1920, 1080)}


def test_episode_rows_hero_and_form_controls(browser, live_server, subscriber, three_episodes):  # noqa: F811
    from reelhouse.catalog.models import Episode
    from reelhouse.playback.models import ResumePoint

    first = three_episodes[0]
    Episode.objects.filter(pk=first.pk).update(synopsis="The harbour lights go out one by one.")
    ResumePoint.objects.create(profile=subscriber.profiles.first(), work=first, position_s=4, duration_s=8)
    assert all(e.still for e in Episode.objects.all())  # each got its package's frame at publish

    for device, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
        page = context.new_page()
        sign_in(page, live_server, subscriber)

        feature = page.locator(".feature")
        assert feature.get_by_role("heading", name="Harbour Lights").is_visible()
        assert feature.get_by_role("link", name="Watch").get_attribute("href") == f"/series/{first.series.slug}/"
        box = feature.bounding_box()
        assert box["y"] < height and box["width"] <= width  # on the first screen, never wider than it
        screenshot(page, f"visual-home-{device}")

        page.goto(f"{live_server.url}/series/{first.series.slug}/")
        rows = page.locator("a.episode")
        assert rows.count() == 3
        for i in range(3):
            row = rows.nth(i)
            still = row.locator(".ep-still img")
            assert still.is_visible() and still.evaluate("img => img.complete && img.naturalWidth > 0")
            assert row.locator(".ep-runtime").inner_text() != ""
        assert rows.first.locator(".ep-synopsis").inner_text() == "The harbour lights go out one by one."
        bar = rows.first.locator(".ep-still progress")
        assert bar.get_attribute("value") == "50" and bar.is_visible()
        assert rows.nth(1).locator("progress").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        screenshot(page, f"visual-series-{device}")

        page.goto(f"{live_server.url}/account/")
        for field in ("#gift-code", "#pause-weeks", "#bd-name", "#bd-address"):
            control = page.locator(field)
            if not control.count():
                continue
            size = control.evaluate("e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).fontSize)]")
            root = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
            assert size[0] >= 44 and size[1] >= root, f"{field} at {device}: {size}"
        screenshot(page, f"visual-account-{device}")
        context.close()
