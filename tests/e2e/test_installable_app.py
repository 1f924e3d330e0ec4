"""The installable app: Chromium finds it installable, and with no network it opens to the offline screen."""

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, screenshot, under_service_worker
from tests.e2e.test_player import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_installable_and_opens_offline(browser, live_server, subscriber, tmp_path):
    from reelhouse.core.webapp import SHELL

    # A profile on disk: Chromium never offers to install from an incognito context (Playwright's new_context).
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page, live_server, subscriber)
    under_service_worker(page, live_server.url)

    manifest = page.evaluate("""fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())""")
    assert (manifest["name"], manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "Reelhouse", "/", "/", "standalone")
    assert {(i["sizes"], i["purpose"]) for i in manifest["icons"]} == {
        ("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    cdp = context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []

    page.reload()  # again under the worker's control: a page must not end up in any cache
    cached = page.evaluate("""caches.keys().then((names) => Promise.all(names.map((n) => caches.open(n)
        .then((c) => c.keys()).then((rs) => rs.map((r) => new URL(r.url).pathname + new URL(r.url).search)))))
        .then((lists) => lists.flat())""")
    assert {"/offline/", "/downloads/"} <= set(cached) and len(cached) == 2 + len(SHELL)  # the shell's files
    assert all(url in ("/offline/", "/downloads/") or (url.startswith("/static/reelhouse/") and "?v=" in url)
               for url in cached)

    context.set_offline(True)
    page.reload()
    assert page.get_by_role("heading", name="You're offline").is_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(17, 20, 24)"  # CSS from cache
    screenshot(page, "app-offline")
    page.goto(f"{live_server.url}/help/")  # any page, not only the one that was open
    assert page.get_by_role("heading", name="You're offline").is_visible()

    context.set_offline(False)  # back online: the screen reloads itself into the real page
    page.wait_for_function("document.querySelector('h1') && !document.querySelector('#offline-retry')")
    assert page.url == f"{live_server.url}/help/"
    context.close()
