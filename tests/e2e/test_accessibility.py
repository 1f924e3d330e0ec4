"""WCAG 2.1 AA on the main pages: axe-core (from npm, pinned) finds no serious or critical violations."""

from pathlib import Path

import pytest

from tests.e2e.test_player import sign_in, three_episodes  # noqa: F401 - the fixture is used by name

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[str]:
    # Evaluated through the DevTools protocol, not added as an inline <script>: the page's Content Security Policy
    # refuses inline scripts, and the CSP watch in conftest would rightly fail the test on one.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',"
                           " 'wcag21aa']}})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)])
def test_main_pages_have_no_serious_violations(browser, live_server, subscriber, three_episodes, viewport):  # noqa: F811
    assert AXE.is_file(), "run `make install` (npm ci installs axe-core)"
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    found = {"login": serious_violations(page)}
    sign_in(page, live_server, subscriber)
    for name, path in [("home", "/"), ("series", "/series/harbour-lights-2019/"),
                       ("watch", f"/watch/{three_episodes[0].pk}/")]:
        page.goto(live_server.url + path)
        found[name] = serious_violations(page)
    context.close()
    assert {k: v for k, v in found.items() if v} == {}
