"""The interface follows the browser's language and can be switched; French and German are complete."""

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_player import PASSWORD, three_episodes  # noqa: F401 - the fixture is used by name

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_german_browser_gets_german_and_can_switch_to_french(browser, live_server, subscriber,
                                                              three_episodes):  # noqa: F811
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_label("E-Mail").fill(subscriber.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Serien").is_visible()

    page.get_by_label("Sprache").select_option("fr")
    page.get_by_role("button", name="Ändern").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Séries").is_visible()
    page.goto(f"{live_server.url}/watch/{three_episodes[0].pk}/")
    assert page.get_by_role("button", name="Plein écran").is_visible()
    assert page.locator("label:has(#quality)").inner_text().startswith("Qualité")
    screenshot(page, "player-french")
    context.close()
