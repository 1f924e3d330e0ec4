"""What a visitor sees of the rights pages in a real browser, English and French: the repeat-infringer policy reached
from the footer, and the transparency report with its plot drawn (the SVG loads under the page's CSP) above the
table."""

import datetime as dt

import pytest

from reelhouse.core import clock
from reelhouse.rights.models import Notice
from reelhouse.rights.notices import notice_decide
from tests.e2e.conftest import screenshot
from tests.rights.test_notices import film, notice_data  # noqa: F401 - the fixture is used by name

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TEXTS = {"en": ("Repeat-infringer policy", "After 3 strikes", "Transparency report"),
         "fr": ("Politique envers les contrefacteurs récidivistes", "Après 3 avertissements",
                "Rapport de transparence")}


@pytest.mark.parametrize("language, locale", [("en", "en-US"), ("fr", "fr-FR")])
def test_policy_from_the_footer_and_the_transparency_plot(browser, live_server, film, smtp_server,  # noqa: F811
                                                          language, locale, settings):
    settings.REELHOUSE_STRIKES_BEFORE_SUSPENSION = 3
    Notice.objects.create(**{k: v for k, v in notice_data(film).items() if k in {f.name for f in Notice._meta.fields}}
                          | {"good_faith": True, "accurate": True, "reference": "RH-2026-000900"})
    clock.advance(dt.timedelta(hours=5))
    notice_decide(notice=Notice.objects.get(), outcome="rejected", ground="Not ours to judge", facts="No proof.")
    policy, words, report = TEXTS[language]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    page.goto(f"{live_server.url}/welcome/")
    page.get_by_role("link", name=policy).click()
    page.wait_for_url(f"{live_server.url}/legal/repeat-infringers/")
    assert words in page.locator("#repeat-infringer-policy").inner_text()
    page.get_by_role("link", name=report).first.click()
    page.wait_for_url(f"{live_server.url}/legal/transparency/")
    plot = page.locator("#transparency-plot img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=plot.element_handle())
    assert plot.bounding_box()["width"] > 300
    screenshot(page, f"transparency-{language}")
    context.close()
