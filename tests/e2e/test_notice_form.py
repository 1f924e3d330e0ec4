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


COUNTER = {
    "en": {"reference": "Reference of the notice", "name": "Your full name", "address": "Postal address",
           "email": "E-mail address", "material": "The material removed and where it appeared before removal",
           "mistake": "Under penalty of perjury", "consent": "I consent to the jurisdiction",
           "signature": "Signature (type your full name)", "send": "Send the counter-notice",
           "received": "Counter-notice received"},
    "fr": {"reference": "Référence du signalement", "name": "Votre nom complet", "address": "Adresse postale",
           "email": "Adresse e-mail",
           "material": "Le contenu retiré et l\u2019endroit où il figurait avant son retrait",
           "mistake": "Sous peine de parjure", "consent": "J\u2019accepte la compétence",
           "signature": "Signature (tapez votre nom complet)", "send": "Envoyer la contre-notification",
           "received": "Contre-notification reçue"},
}


@pytest.mark.parametrize("language, locale", [("en", "en-US"), ("fr", "fr-FR")])
def test_an_uploader_files_a_counter_notice(browser, live_server, film, smtp_server, language, locale):  # noqa: F811
    from reelhouse.rights.models import CounterNotice
    from reelhouse.rights.notices import notice_decide

    notice = Notice.objects.create(
        claimant_name="Ada", claimant_address="1 Rue X", claimant_email="ada@claim.example", works_claimed="Reel",
        scope="film", urls=f"/films/{film.slug}/", explanation="Ours.", good_faith=True, accurate=True,
        signature="Ada", reference="RH-2026-000321")
    notice_decide(notice=notice, outcome="accepted", ground="Copyright", facts="The claimant holds the rights.")
    t = COUNTER[language]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    page.goto(f"{live_server.url}/legal/counter-notice/")
    page.get_by_label(t["reference"]).fill(notice.reference)
    page.get_by_label(t["name"], exact=True).fill("U. Ploader")
    page.get_by_label(t["address"], exact=True).fill("2 Main St, Springfield")
    page.get_by_label(t["email"], exact=True).fill("uploader@films.example")
    page.get_by_label(t["material"]).fill(f"The Borrowed Reel at /films/{film.slug}/")
    page.get_by_label(t["mistake"]).check()
    page.get_by_label(t["consent"]).check()
    page.get_by_label(t["signature"]).fill("U. Ploader")
    page.get_by_role("button", name=t["send"]).click()
    page.get_by_role("heading", name=t["received"]).wait_for()
    counter = CounterNotice.objects.get()
    assert page.locator("#restore-on").inner_text() == counter.restore_on.isoformat()
    assert {to[0] for to, _ in smtp_server.messages[-2:]} == {"ada@claim.example", "uploader@films.example"}
    screenshot(page, f"counter-notice-sent-{language}")
    context.close()
