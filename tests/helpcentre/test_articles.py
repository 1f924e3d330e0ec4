"""Help centre: Markdown rendered safely (the attacks are performed), search that forgives accents and a typo, in
the reader's language, "was this helpful?" counted once per reader, and suggestions for the support form."""

import re

import pytest

from reelhouse.helpcentre.models import Article, Category
from reelhouse.helpcentre.selectors import articles_search
from reelhouse.support.suggestions import suggestions_for
from tests.support.conftest import wait_for_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    en = Category.objects.create(slug="playback", language="en", name="Playback")
    de = Category.objects.create(slug="playback", language="de", name="Wiedergabe")
    fr = Category.objects.create(slug="playback", language="fr", name="Lecture")
    return {
        "en": Article.objects.create(category=en, slug="buffering", language="en", title="Video keeps buffering",
                                     body="Check your **connection** and lower the quality."),
        "de": Article.objects.create(category=de, slug="buffering", language="de", title="Video lädt ständig nach",
                                     body="Prüfen Sie Ihre Verbindung."),
        "fr": Article.objects.create(category=fr, slug="telechargements", language="fr",
                                     title="Télécharger un épisode", body="Les téléchargements expirent."),
    }


ATTACKS = [
    ("<script>alert(1)</script>", "<script>"),
    ("[click](javascript:alert(1))", 'href="javascript:'),
    ("[click](JaVaScRiPt:alert(1))", 'href="JaVaScRiPt:'),
    # The entity is decoded then percent-encoded (jav%09ascript:): no longer a scheme a browser runs, a relative path.
    ("[click](jav&#x09;ascript:alert(1))", 'href="jav\tascript:'),
    ("[click](jav&#x09;ascript:alert(1))", 'href="jav&#x09;ascript:'),
    ('<img src=x onerror="alert(1)">', "<img"),
    ("[click](data:text/html;base64,PHNjcmlwdD4=)", 'href="data:'),
    ("[click](vbscript:msgbox)", 'href="vbscript:'),
]


@pytest.mark.parametrize("markdown, forbidden", ATTACKS)
def test_article_markdown_cannot_carry_a_script(client, articles, markdown, forbidden):
    article = articles["en"]
    article.body = f"Before\n\n{markdown}\n\nAfter"
    article.save()
    page = client.get("/help/articles/buffering/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    body = page.split('class="article-body">', 1)[1].split("</div>", 1)[0]
    assert "Before" in body and "After" in body
    assert forbidden not in body


def test_markdown_renders_and_safe_links_stay(client, articles):
    articles["en"].body = "Read [our plans](/welcome/) or mail [us](mailto:help@example.com). **Bold**"
    articles["en"].save()
    page = client.get("/help/articles/buffering/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<a href="/welcome/">our plans</a>' in page and 'href="mailto:help@example.com"' in page
    assert "<strong>Bold</strong>" in page


def test_search_forgives_accents_typos_and_prefixes_in_the_readers_language(client, articles):
    assert articles_search(query="bufering", language="en") == [articles["en"]]  # one typo
    assert articles_search(query="buff", language="en") == [articles["en"]]  # typing
    assert articles_search(query="ladt", language="de") == [articles["de"]]  # accent dropped
    assert articles_search(query="telecharger", language="fr") == [articles["fr"]]
    assert articles_search(query="buffering", language="de") == []  # English article not in German results
    assert articles_search(query="<script>", language="en") == []
    page = client.get("/help/search/?q=Verbindng", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Video lädt ständig nach" in page
    assert 'href="/help/search/"' in client.get("/help/").content.decode() or "/help/search/" in \
        client.get("/help/").content.decode()


def test_was_this_helpful_counts_once_per_reader(client, articles):
    for _ in range(2):
        response = client.post("/help/articles/buffering/helpful/", {"helpful": "yes"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 302
    client.post("/help/articles/buffering/helpful/", {"helpful": "no"}, HTTP_ACCEPT_LANGUAGE="en")
    articles["en"].refresh_from_db()
    assert (articles["en"].helpful, articles["en"].not_helpful) == (1, 0)
    assert client.get("/help/articles/nope/").status_code == 404


def test_articles_are_suggested_while_a_subscriber_writes_a_request(articles):
    found = suggestions_for(text="the video is always buffering", language="en")
    assert [s.title for s in found] == ["Video keeps buffering"]
    assert found[0].url == "/help/articles/buffering/?from=request"


def test_the_article_page_speaks_the_readers_language(client, articles):
    page = client.get("/help/articles/buffering/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Video lädt ständig nach" in page and "War das hilfreich?" in page and "Wiedergabe" in page


def test_suggestions_follow_the_text_as_it_is_written_and_deflection_is_counted(client, articles, settings):
    """The form asks /support/suggest.json as the subscriber types; an article opened from a suggestion counts once
    per session, and a request sent after it counts that opening as not deflected."""
    answer = client.get("/support/suggest.json", {"q": "buffering again " + "x" * 5000}).json()
    assert answer == {"articles": [{"title": "Video keeps buffering", "url": "/help/articles/buffering/?from=request"}]}
    assert client.get("/support/suggest.json", {"q": "<script>"}).json() == {"articles": []}
    article = articles["en"]
    for _ in range(2):  # a reload counts once
        assert client.get("/help/articles/buffering/?from=request").status_code == 200
    client.get("/help/articles/buffering/")  # not from a suggestion: not counted
    article.refresh_from_db()
    assert (article.suggested_opens, article.suggested_then_requested, article.deflected) == (1, 0, 1)
    # The reader writes to support anyway (the real form, as a visitor): that opening did not deflect the request.
    for n in range(2):  # the second request has no opening left to count
        stamp = re.search(r'name="shown" value="([^"]+)"', client.get("/support/new/").content.decode()).group(1)
        wait_for_form()
        sent = client.post("/support/new/", {"name": "Vera", "email": "vera@example.org", "subject": f"Buffering {n}",
                                             "body": "It stops every minute.", "website": "", "shown": stamp})
        assert sent.status_code == 200, sent.content.decode()[:500]
        article.refresh_from_db()
        assert (article.suggested_opens, article.suggested_then_requested, article.deflected) == (1, 1, 0)
