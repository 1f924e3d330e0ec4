"""A row of tiles is built as strings (catalog_tags.tiles, for speed): every value from a card is escaped there, and
the posters' URLs, built from one reversed base URL, are the artwork view's, under the site's script prefix too."""

import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.urls import resolve, set_script_prefix

from reelhouse.catalog.templatetags.catalog_tags import picture, tiles

HOSTILE = '<script>alert("x")</script> & \'quoted\''
POSTER = "artwork/poster/ab/" + "ab" * 12 + "/w400.jpg"


def card(**fields):
    return SimpleNamespace(**({"title": "Title", "year": 2024, "subtitle": "", "progress_pct": 0,
                               "url": "/watch/1/", "poster": ""} | fields))


class Parsed(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_every_value_of_a_card_is_escaped():
    html = str(tiles([card(title=HOSTILE, subtitle=HOSTILE, year=HOSTILE, url='/x/?a=1&b="><script>',
                           progress_pct='5"><script>')]))
    assert "<script>" not in html
    page = Parsed(html)
    assert [tag for tag, _ in page.tags] == ["ul", "li", "a", "span", "span", "span", "progress"]
    links = [attrs for tag, attrs in page.tags if tag == "a"]
    assert links == [{"class": "tile", "href": '/x/?a=1&b="><script>'}]  # the value, whole, inside its attribute
    bar = next(attrs for tag, attrs in page.tags if tag == "progress")
    assert bar["value"] == '5"><script>'
    assert f"{HOSTILE} ({HOSTILE})" in "".join(page.text)  # title and year, as text
    assert HOSTILE in page.text  # the subtitle


def test_an_empty_row_says_so_escaped():
    assert str(tiles([], "<b>none</b>")) == (
        '<ul class="tiles">\n  <li class="empty">&lt;b&gt;none&lt;/b&gt;</li>\n</ul>')


@pytest.mark.parametrize("prefix", ["/", "/streaming/"])
def test_a_tiles_poster_is_the_artwork_views_under_the_script_prefix(prefix):
    set_script_prefix(prefix)
    try:
        html = str(tiles([card(poster=POSTER), card(title="No poster")]))
        alone = str(picture(POSTER, "poster"))
    finally:
        set_script_prefix("/")
    assert alone in html  # the same picture as the template tag's
    urls = re.findall(r'(?:src|srcset)="([^"]+)"', html)
    urls = [u.split()[0] for attr in urls for u in attr.split(", ")]
    assert len(urls) == 5  # webp 200 and 400, jpg 200, 200 and 400
    for url in urls:
        assert url.startswith(prefix + "artwork/poster/ab/")
        match = resolve("/" + url.removeprefix(prefix))
        assert match.view_name == "catalog:artwork"
        assert re.fullmatch(r"poster/ab/(ab){12}/w(200|400)\.(webp|jpg)", match.kwargs["path"])
    assert '<span class="noposter" aria-hidden="true">N</span>' in html
