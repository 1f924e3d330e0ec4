"""Real-browser journeys: Playwright driving Debian's chromium against the live test server."""

import os
import shutil
import time
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("REELHOUSE_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# As root, headless, and without the background traffic this machine's closed network would refuse.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]


WAIT_JS = """async ([timeoutMs, pollMs, arg]) => {
  const started = performance.now();
  for (;;) {
    let value = (%s);
    if (typeof value === "function") value = value(arg);
    if (value) return value;
    if (performance.now() - started > timeoutMs) throw new Error("reelhouse-wait-timeout");
    await new Promise(resolve => setTimeout(resolve, pollMs));
  }
}"""


def wait_for_function(self, expression: str, *, arg=None, timeout: float | None = None, polling=None):
    """Page.wait_for_function that works under the site's Content Security Policy. Playwright's own runs the
    expression with eval() inside the page, which a policy without 'unsafe-eval' (ours) refuses; here the
    expression is part of a function Playwright sends through the DevTools protocol, which the policy does not
    govern. Same arguments and semantics: an expression, or a function called with `arg`, polled until truthy; a
    navigation meanwhile starts the wait again on the new document."""
    from playwright.sync_api import Error, TimeoutError

    timeout = 30_000 if timeout is None else timeout
    poll = polling if isinstance(polling, int | float) else 30
    deadline = time.monotonic() + timeout / 1000
    while True:
        remaining = max(0.0, (deadline - time.monotonic()) * 1000)
        try:
            return self.evaluate_handle(WAIT_JS % expression, [remaining, poll, arg])
        except Error as exc:
            if "reelhouse-wait-timeout" in str(exc):
                raise TimeoutError(f"wait_for_function: Timeout {timeout:.0f}ms exceeded waiting for "
                                   f"{expression}") from None
            if "context was destroyed" not in str(exc) or time.monotonic() >= deadline:
                raise


def _install_csp_safe_waits():
    from playwright.sync_api import Page

    Page.wait_for_function = wait_for_function


# Added to every document before its own scripts: a Content Security Policy violation on any page is handed to
# the test (through a binding, so one on a page the journey has since left is not lost).
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", function (e) {
  window.__reelhouseCspViolation([e.violatedDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber,
                                  e.sample, location.href].join(" | "));
});"""


class CspWatch:
    """Collects Content Security Policy violations from every browser context a test opens: the
    securitypolicyviolation events of its pages and chromium's console errors about the policy."""

    def __init__(self):
        self.violations: list[str] = []

    def attach(self, context):
        context.expose_binding("__reelhouseCspViolation", lambda source, text: self.violations.append(text))
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._console)
        return context

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"console: {message.text} ({message.location.get('url', '')})")


@pytest.fixture(autouse=True)
def csp_violations(request, browser, monkeypatch):
    """Every browser test fails if any page it visited broke the Content Security Policy. Contexts made with
    `browser.new_context` in the test (or by the `page` fixture) are watched; a test that provokes a violation on
    purpose empties the list after checking it."""
    watch = CspWatch()
    new_context = browser.new_context

    def watched_new_context(*args, **kwargs):
        return watch.attach(new_context(*args, **kwargs))

    monkeypatch.setattr(browser, "new_context", watched_new_context)
    yield watch.violations
    if watch.violations:
        pytest.fail("Content Security Policy violations:\n" + "\n".join(watch.violations), pytrace=False)


@pytest.fixture
def page(browser, csp_violations):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def under_service_worker(page, url: str) -> None:
    """Wait until the site's service worker is active, then load the page again, under its control. (The worker
    also claims open pages when it activates, but a page whose navigation raced the activation stays uncontrolled
    until its next load: waiting for the claim timed out in CI, and on a quiet machine every time.)"""
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)") == f"{url}/sw.js"
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL") == (
        f"{url}/sw.js")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# The heights the player's quality menu offers, in its order: what the master playlist it plays lists (native HLS
# and hls.js alike).
QUALITY_HEIGHTS = ("Array.from(document.querySelectorAll('#quality option')).filter(o => o.value !== '-1')"
                   ".map(o => parseInt(o.textContent, 10))")

# Chromium plays HLS itself, so the player never loads hls.js there; as in Firefox (no native HLS, Media Source
# Extensions), the browser answers "" for HLS from the first script on, and the player fetches hls.js and plays
# through it.
HLSJS_ONLY = """(() => {
  const canPlayType = HTMLMediaElement.prototype.canPlayType;
  HTMLMediaElement.prototype.canPlayType = function (type) {
    return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
  };
})();"""


def hlsjs_only(page):
    """This page plays through hls.js, as a browser without native HLS does (Firefox)."""
    page.add_init_script(HLSJS_ONLY)
    return page
