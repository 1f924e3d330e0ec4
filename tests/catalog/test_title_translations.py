"""Titles and synopses in several languages: pages, cards and search speak the profile's language and fall back
to the catalog's own text; NFO <originaltitle> is kept and shown."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from reelhouse.catalog import selectors
from reelhouse.catalog.models import Episode, Film, SearchEntry, Series
from reelhouse.catalog.services import title_translation_set, work_for_identification
from reelhouse.catalog.translations import cleaned_translations, language_chain, localized_text
from reelhouse.ingest.identify import Identification
from reelhouse.ingest.naming import Identity
from reelhouse.ingest.nfo import NfoInfo

pytestmark = pytest.mark.django_db

TR = {"fr": {"title": "Le Phare", "synopsis": "Une gardienne et sa lumière."},
      "de": {"title": "Der Leuchtturm"}}


@pytest.mark.parametrize("language, expected", [
    ("fr", "Le Phare"), ("fr-ca", "Le Phare"), ("FR_CH", "Le Phare"), ("de", "Der Leuchtturm"),
    ("de-at", "Der Leuchtturm"), ("en", "The Lighthouse"), ("es", "The Lighthouse"), ("", "The Lighthouse"),
])
def test_title_falls_back_from_regional_to_base_language_to_the_catalog_title(language, expected):
    assert localized_text(TR, "title", "The Lighthouse", language=language or "x-none") == expected


def test_missing_synopsis_in_a_language_falls_back_to_the_original_synopsis():
    assert localized_text(TR, "synopsis", "A keeper and her light.", language="de") == "A keeper and her light."
    assert language_chain("pt-BR") == ["pt-br", "pt"]


@pytest.mark.parametrize("value, message", [
    ("Le Phare", "must be an object"),
    ({"french": {"title": "x"}}, "not a language code"),
    ({"fr": "Le Phare"}, "'title' and/or 'synopsis' only"),
    ({"fr": {"name": "Le Phare"}}, "'title' and/or 'synopsis' only"),
    ({"fr": {"title": 5}}, "must be text"),
    ({"fr": {"title": "x" * 301}}, "at most 300"),
])
def test_bad_translations_are_refused_with_a_specific_message(value, message):
    with pytest.raises(ValidationError, match=message):
        cleaned_translations(value)


def test_translations_are_trimmed_and_empty_languages_dropped():
    assert cleaned_translations({"FR": {"title": "  Le   Phare ", "synopsis": ""}, "de": {"title": ""}}) == {
        "fr": {"title": "Le Phare"}}


@pytest.fixture
def lighthouse(catalog):
    series = catalog.series("The Lighthouse", synopsis="A keeper and her light.", episodes=2,
                            episode_titles={(1, 1): "Fog", (1, 2): "Storm"})
    film = catalog.film("Harbour Blues", synopsis="Sailors sing.")
    title_translation_set(title=series, language="fr", text="Le Phare", synopsis="Une gardienne et sa lumière.")
    title_translation_set(title=series, language="de", text="Der Leuchtturm")
    fog = Episode.objects.get(series=series, number=1)
    title_translation_set(title=fog, language="fr", text="Brouillard")
    title_translation_set(title=film, language="fr", text="Le Blues du port")
    catalog.index()
    return series, film


def speaking(client, subscriber, language):
    profile = subscriber.profiles.first()
    profile.language = language
    profile.save(update_fields=["language"])
    client.force_login(subscriber)
    return client


def test_series_page_speaks_the_profile_language_and_falls_back(lighthouse, client, subscriber):
    series, _ = lighthouse
    fr = speaking(client, subscriber, "fr").get(f"/series/{series.slug}/").content.decode()
    assert "<h1>Le Phare" in fr and "Une gardienne et sa lumière." in fr
    assert "Brouillard" in fr and "Storm" in fr  # an untranslated episode keeps its own title
    de = speaking(client, subscriber, "de").get(f"/series/{series.slug}/").content.decode()
    assert "<h1>Der Leuchtturm" in de and "A keeper and her light." in de and "Fog" in de
    en = speaking(client, subscriber, "en").get(f"/series/{series.slug}/").content.decode()
    assert "<h1>The Lighthouse" in en and "Le Phare" not in en


def test_cards_and_search_show_translated_titles(lighthouse, client, subscriber):
    fr_client = speaking(client, subscriber, "fr")
    home = fr_client.get("/").content.decode()
    assert "Le Phare" in home and "Le Blues du port" in home and "The Lighthouse" not in home
    results = fr_client.get("/search.json?q=brouil").json()["results"]
    assert [(r["title"], r["subtitle"]) for r in results] == [("Brouillard", "Le Phare · S01E01")]
    with translation.override("de"):
        cards = selectors.catalog_search(query="leuchtturm")
        assert [c.title for c in cards][:1] == ["Der Leuchtturm"]
        # An episode whose own title has no German translation still names its series in German.
        storm = selectors.catalog_search(query="storm")
        assert [(c.title, c.subtitle) for c in storm] == [("Storm", "Der Leuchtturm · S01E02")]
    with translation.override("en"):
        assert [c.title for c in selectors.catalog_search(query="phare")] == ["The Lighthouse"]


def test_changing_a_translation_updates_indexed_cards_at_once(lighthouse):
    series, _ = lighthouse
    title_translation_set(title=series, language="fr", text="La Lanterne")
    entry = SearchEntry.objects.get(kind="series", object_id=series.pk)
    assert entry.translations["fr"] == {"title": "La Lanterne"} and "lanterne" in entry.terms
    assert "phare" not in entry.terms
    episode_entry = SearchEntry.objects.get(kind="episode", object_id=Episode.objects.get(series=series,
                                                                                           number=2).pk)
    assert episode_entry.translations["fr"]["subtitle"] == "La Lanterne · S01E02"
    title_translation_set(title=series, language="fr", text="", synopsis="")
    assert "fr" not in Series.objects.get(pk=series.pk).translations
    with translation.override("fr"):
        assert SearchEntry.objects.get(kind="series", object_id=series.pk).display_title == "The Lighthouse"


def test_nfo_original_title_is_kept_shown_and_searchable(db, client, subscriber, catalog):
    info = NfoInfo(kind="movie", title="Amélie", originaltitle="Le Fabuleux Destin d'Amélie Poulain",
                   plot="A shy waitress.")
    found = Identification(identity=Identity(kind="film", title="Amélie", year=2001), item_info=info)
    film = work_for_identification(found=found, licence=None)
    assert Film.objects.get(pk=film.pk).original_title == "Le Fabuleux Destin d'Amélie Poulain"
    catalog._publish(film)
    catalog.index()
    page = speaking(client, subscriber, "en").get(f"/films/{film.slug}/").content.decode()
    assert "Original title: Le Fabuleux Destin d&#x27;Amélie Poulain" in page
    assert [c.title for c in selectors.catalog_search(query="fabuleux destin")] == ["Amélie"]
    same = work_for_identification(found=Identification(
        identity=Identity(kind="film", title="Solaris", year=1972),
        item_info=NfoInfo(kind="movie", title="Solaris", originaltitle="solaris")), licence=None)
    assert Film.objects.get(pk=same.pk).original_title == ""  # nothing worth showing twice


def test_episode_page_and_calendar_speak_the_profile_language(lighthouse, client, subscriber, licensed_source):
    import datetime as dt

    from reelhouse.catalog.models import Follow
    from reelhouse.core import clock

    series, _ = lighthouse
    fog = Episode.objects.get(series=series, number=1)
    Episode.objects.filter(pk=fog.pk).update(licence=licensed_source.licence)
    fr_client = speaking(client, subscriber, "fr")
    page = fr_client.get(f"/watch/{fog.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert ">Le Phare</a> · S01E01 · Brouillard</h1>" in html and "<title>Le Phare S01E01 · Brouillard" in html
    Follow.objects.create(profile=subscriber.profiles.first(), series=series)
    Episode.objects.filter(pk=fog.pk).update(air_date=clock.now().date() + dt.timedelta(days=1))
    calendar = fr_client.get("/calendar/").content.decode()
    assert ">Le Phare</a>" in calendar and "Brouillard" in calendar
