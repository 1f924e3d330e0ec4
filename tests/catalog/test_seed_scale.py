"""seed_scale writes a small but complete scale catalog through the same code path as the full one."""

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import translation

from reelhouse.accounts.models import Profile, User
from reelhouse.catalog.models import Credit, Episode, Film, Genre, Person, SearchEntry, Series, Studio, TitleRating
from reelhouse.catalog.selectors import catalog_search, home_rows
from reelhouse.media.fingerprints.library import library_index_forget
from reelhouse.media.fingerprints.services import fingerprint_print, library_matches
from reelhouse.media.models import Fingerprint
from reelhouse.playback.models import PlaybackSession, ResumePoint

pytestmark = pytest.mark.django_db(transaction=True)
SMALL = ["--series", "30", "--episodes", "600", "--films", "40", "--subscribers", "50", "--progress-rows", "800",
         "--plays-7d", "300", "--daily-shows", "2"]


def test_seed_scale_builds_the_shape_asked_for_and_is_idempotent():
    call_command("seed_scale", *SMALL)
    assert Series.objects.count() == 30 and Episode.objects.count() == 600 and Film.objects.count() == 40
    assert User.objects.count() == 50 and Profile.objects.count() >= 50
    credits = Credit.objects.count()
    assert credits > 0
    assert 0 < ResumePoint.objects.count() <= 800 and PlaybackSession.objects.count() == 300
    # Every published work and visible series is searchable; upcoming episodes are not (yet).
    published = Episode.objects.filter(published_at__isnull=False).count()
    assert SearchEntry.objects.filter(kind="episode").count() == published < 600
    assert SearchEntry.objects.filter(kind="film").count() == 40
    # Absolute numbers run 1..n across each series' seasons.
    series = Series.objects.first()
    numbers = list(Episode.objects.filter(series=series).order_by("season__number", "number")
                   .values_list("absolute_number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    series = Series.objects.first()
    assert catalog_search(query=series.title)[0].title == series.title
    profile = Profile.objects.filter(resume_points__isnull=False).first()
    rows = home_rows(profile=profile)
    assert rows["series"] and rows["films"] and rows["trending"]
    # Every work has a synthetic content fingerprint in the library, and the index finds a work from its frames.
    works = Episode.objects.count() + Film.objects.count()
    assert Fingerprint.objects.filter(synthetic=True, in_library=True).count() == works
    library_index_forget()  # as a new process: the saved index is loaded
    kept = Fingerprint.objects.filter(work__kind="episode").select_related("work").first()
    episode_print = fingerprint_print(kept)
    assert episode_print.frames == round(kept.work.runtime_s / 60)  # one indexed frame a minute
    found = library_matches(printed=episode_print)
    assert [m.work_id for m in found][:1] == [kept.work_id]
    call_command("seed_scale", *SMALL)  # a second run finds the catalog and adds nothing
    assert Episode.objects.count() == 600 and User.objects.count() == 50
    assert Credit.objects.count() == credits
    assert Fingerprint.objects.count() == works


def test_scale_catalog_has_genres_people_studios_country_ratings_and_translations():
    call_command("seed_scale", *SMALL)
    # Every series and film has 1-3 genres and a studio; genre rows on the home page have something to show.
    assert Genre.objects.filter(title_count__gt=0).count() >= 10
    assert not Series.objects.filter(genres__isnull=True).exists() and not Film.objects.filter(genres__isnull=True)
    assert not Series.objects.filter(studios__isnull=True).exists() and not Film.objects.filter(studios__isnull=True)
    assert Studio.objects.count() > 20
    # Credits: actors on every title, a director on every film, people shared between titles.
    assert Person.objects.count() >= 50
    assert not Film.objects.exclude(credits__role="director").exists()
    assert not Series.objects.exclude(credits__role="actor").exists()
    assert Credit.objects.values("person").distinct().count() < Credit.objects.count()
    # Country ratings: the US always, other countries for some; maturity is the strictest rating, episodes follow
    # their series, and a few titles stay unrated.
    assert TitleRating.objects.filter(country="US").count() > 0 and TitleRating.objects.filter(country="DE").exists()
    for title in list(Series.objects.all()) + list(Film.objects.all()):
        ages = [r.rating.min_age for r in title.ratings.select_related("rating")]
        assert title.maturity == (max(ages) if ages else None)
    mismatched = Episode.objects.exclude(maturity=F("series__maturity")).exclude(maturity__isnull=True)
    assert not mismatched.exists()
    # Translations: about a fifth of titles in French and German, shown on cards in the active language.
    translated = Series.objects.exclude(translations={}).first()
    assert 0 < Series.objects.exclude(translations={}).count() < 30
    assert Film.objects.exclude(translations={}).exists()
    with translation.override("fr"):
        entry = SearchEntry.objects.get(kind="series", object_id=translated.pk)
        assert entry.display_title == translated.translations["fr"]["title"] != translated.title
        assert catalog_search(query=translated.translations["fr"]["title"])[0].title == entry.display_title
