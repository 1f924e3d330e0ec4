"""A help article in a real browser, signed out, in French: found by a search with a typo from /help/, read, and
answered "was this helpful?", breaking no CSP rule."""

import pytest

from reelhouse.helpcentre.models import Article, Category
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_search_read_and_answer_in_french(browser, live_server):
    category = Category.objects.create(slug="lecture", language="fr", name="Lecture")
    article = Article.objects.create(category=category, slug="mise-en-memoire", language="fr",
                                     title="La vidéo se met en mémoire tampon", body="Vérifiez votre **connexion**.")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/help/")
    page.get_by_role("searchbox", name="Rechercher dans l'aide").fill("memoir tampon")
    page.get_by_role("button", name="Rechercher").first.click()
    page.get_by_role("link", name="La vidéo se met en mémoire tampon").click()
    assert page.locator(".article-body strong").inner_text() == "connexion"
    page.get_by_role("button", name="Oui").click()
    assert "Merci pour votre réponse." in page.get_by_role("status").inner_text()
    screenshot(page, "help-article-fr")
    article.refresh_from_db()
    assert article.helpful == 1
    context.close()


def test_articles_are_suggested_as_the_request_is_written_and_the_opening_counted(browser, live_server):
    category = Category.objects.create(slug="playback", language="en", name="Playback")
    article = Article.objects.create(category=category, slug="buffering", language="en",
                                     title="Video keeps buffering", body="Check your connection.")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/support/new/")
    suggested = page.locator("#suggested-articles")
    assert suggested.is_hidden()  # nothing written yet, nothing suggested
    page.get_by_label("Subject").fill("The film keeps bufering")  # a typo, as people type
    suggested.get_by_role("link", name="Video keeps buffering").click()
    page.wait_for_url(f"{live_server.url}/help/articles/buffering/?from=request")
    article.refresh_from_db()
    assert (article.suggested_opens, article.deflected) == (1, 1)
    context.close()
