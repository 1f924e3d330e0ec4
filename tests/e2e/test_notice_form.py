"""The public notice form in a real browser, in English and French: reached from the footer, an incomplete notice
is answered with the missing fields named, a complete one gets its reference and an acknowledgement mail (real
SMTP)."""

import pytest

from reelhouse.rights.models import Notice
from tests.e2e.conftest import screenshot
from tests.rights.test_notices import film  # noqa: F401 - the fixture is used by name

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {"link": "Report infringing content", "name": "Your full name", "address": "Postal address",
           "email": "E-mail address", "works": "The copyrighted work(s) you say are infringed",
           "scope": "What should be taken down", "urls": "The exact addresses on this service, one per line",
           "why": "Why the material infringes your rights", "faith": "I have a good faith belief",
           "accurate": "The information in this notice is accurate", "signature": "Signature (type your full name)",
           "send": "Send the notice", "missing": "Your notice is not complete yet. Missing:",
           "received": "Notice received"},
    "fr": {"link": "Signaler un contenu illicite", "name": "Votre nom complet", "address": "Adresse postale",
           "email": "Adresse e-mail", "works": "L\u2019œuvre ou les œuvres protégées que vous estimez contrefaites",
           "scope": "Ce qui doit être retiré", "urls": "Les adresses exactes sur ce service, une par ligne",
           "why": "Pourquoi ce contenu porte atteinte à vos droits", "faith": "Je crois de bonne foi",
           "accurate": "Les informations de ce signalement sont exactes",
           "signature": "Signature (tapez votre nom complet)", "send": "Envoyer le signalement",
           "missing": "Votre signalement n\u2019est pas encore complet. Il manque :", "received": "Signalement reçu"},
}


@pytest.mark.parametrize("language, locale", [("en", "en-US"), ("fr", "fr-FR")])
def test_a_rights_holder_files_a_notice_from_the_footer(browser, live_server, film, smtp_server,  # noqa: F811
                                                        language, locale):
    t = TEXTS[language]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    page.goto(f"{live_server.url}/welcome/")
    page.get_by_role("link", name=t["link"]).click()
    page.wait_for_url(f"{live_server.url}/legal/notice/")
    assert page.locator("html").get_attribute("lang") == language

    page.get_by_label(t["name"], exact=True).fill("Ada Claimant")
    page.get_by_label(t["email"], exact=True).fill("ada@claim.example")
    page.get_by_label(t["works"]).fill("The Borrowed Reel (1999)")
    page.get_by_label(t["scope"]).select_option("film")
    page.get_by_label(t["urls"]).fill(f"/films/{film.slug}/")
    page.get_by_label(t["why"]).fill("We hold the worldwide rights.")
    page.get_by_label(t["faith"]).check()
    page.get_by_role("button", name=t["send"]).click()
    page.wait_for_load_state()
    missing = page.locator("#notice-missing")
    assert t["missing"] in missing.inner_text()
    for label in (t["address"], t["accurate"], t["signature"]):
        assert label in missing.inner_text()
    assert t["name"] not in missing.inner_text() and Notice.objects.count() == 0
    screenshot(page, f"notice-form-missing-{language}")

    page.get_by_label(t["address"], exact=True).fill("1 Rue X, 75001 Paris")
    page.get_by_label(t["accurate"]).check()
    page.get_by_label(t["signature"]).fill("Ada Claimant")
    page.get_by_role("button", name=t["send"]).click()
    page.get_by_role("heading", name=t["received"]).wait_for()
    notice = Notice.objects.get()
    assert page.locator("#notice-reference").inner_text() == notice.reference and notice.language == language
    [(to, raw)] = smtp_server.messages
    assert to == ["ada@claim.example"] and notice.reference.encode() in raw
    screenshot(page, f"notice-form-sent-{language}")
    context.close()
