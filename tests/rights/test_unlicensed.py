"""A work without a licence is shown nowhere (issue 15): an operator who clears a published film's licence in the
admin's raw-id field takes it off the home rows, the A-Z listing, search and its title page at once, and playback
refuses it, for a viewer in any country and for one with none."""

from html.parser import HTMLParser

import pytest

from reelhouse.accounts.services import user_create
from reelhouse.catalog import selectors
from reelhouse.catalog.models import Film, SearchEntry
from reelhouse.catalog.selectors import home
from reelhouse.rights.selectors import work_problem
from tests.catalog.conftest import CatalogMaker
from tests.playback.playing import start_playing

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The fields a browser would submit from the page's admin change form, as the operator leaves them."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._multiple, self._textarea = {}, None, False, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "button", "file"}:
            if a.get("type") not in {"checkbox", "radio"} or "checked" in a:
                self.data.setdefault(name, a.get("value") or "")
        elif tag == "select" and name:
            self._select, self._multiple = name, "multiple" in a
            if not self._multiple:  # a multiple select with nothing chosen sends nothing
                self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            value = a.get("value") or ""
            self.data[self._select] = [*self.data.get(self._select, []), value] if self._multiple else value
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _visible(client, profile, film, country: str) -> dict[str, bool]:
    home._shared_cache.clear()
    rows = selectors.home_rows(profile=profile, country=country)
    listing = selectors.az_listing(kind="film", letter=None, page=1, profile=profile, country=country)[1]
    return {
        "home": film.title in {c.title for c in rows["films"]},
        "a-z": film.title in {c.title for c in listing},
        "search": film.title in {c.title for c in selectors.catalog_search(query="lantern", profile=profile,
                                                                            country=country)},
        "search.json": film.title in {r["title"] for r in client.get("/search.json?q=lantern").json()["results"]},
        "title page": client.get(f"/films/{film.slug}/").status_code == 200,
    }


@pytest.mark.parametrize("country", ["FR", ""])
def test_an_operator_clearing_a_films_licence_takes_it_off_everything(client, subscriber, country):
    catalog = CatalogMaker()
    film = catalog.film("Lantern Hill", genres=["Drama"])
    catalog.index()
    subscriber.country = country
    subscriber.save(update_fields=["country"])
    profile = subscriber.profiles.first()
    client.force_login(subscriber)
    assert _visible(client, profile, film, country) == dict.fromkeys(
        ["home", "a-z", "search", "search.json", "title page"], True)

    operator = client.__class__()
    operator.force_login(user_create(email="operator@example.com", password="x" * 16, is_staff=True,
                                     is_superuser=True))
    url = f"/admin/catalog/film/{film.pk}/change/"
    form = _FormFields()
    form.feed(operator.get(url).content.decode())
    assert form.data["licence"] == str(film.licence_id)
    answer = operator.post(url, form.data | {"licence": ""})
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    assert Film.objects.get(pk=film.pk).licence_id is None

    assert SearchEntry.objects.get(kind="film", object_id=film.pk).territories == ""
    assert _visible(client, profile, film, country) == dict.fromkeys(
        ["home", "a-z", "search", "search.json", "title page"], False)
    assert client.get(f"/films/{film.slug}/").status_code == 404
    refused = start_playing(client, film, expect=403)  # the viewer is told it is not available to them
    assert refused["code"] == "territory" and "not available" in refused["reason"]
    assert work_problem(work=Film.objects.get(pk=film.pk), country=country) == ("licence", "no licence is attached")
