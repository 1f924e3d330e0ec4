"""seed_scale writes a small but complete scale catalog through the same code path as the full one."""

import pytest
from django.core.management import call_command

from reelhouse.accounts.models import Profile, User
from reelhouse.catalog.models import Episode, Film, SearchEntry, Series
from reelhouse.catalog.selectors import catalog_search, home_rows
from reelhouse.playback.models import PlaybackSession, ResumePoint

pytestmark = pytest.mark.django_db(transaction=True)
SMALL = ["--series", "30", "--episodes", "600", "--films", "40", "--subscribers", "50", "--progress-rows", "800",
         "--plays-7d", "300", "--daily-shows", "2"]


def test_seed_scale_builds_the_shape_asked_for_and_is_idempotent():
    call_command("seed_scale", *SMALL)
    assert Series.objects.count() == 30 and Episode.objects.count() == 600 and Film.objects.count() == 40
    assert User.objects.count() == 50 and Profile.objects.count() >= 50
    assert 0 < ResumePoint.objects.count() <= 800 and PlaybackSession.objects.count() == 300
    # Every published work and visible series is searchable; upcoming episodes are not (yet).
    published = Episode.objects.filter(published_at__isnull=False).count()
    assert SearchEntry.objects.filter(kind="episode").count() == published < 600
    assert SearchEntry.objects.filter(kind="film").count() == 40
    series = Series.objects.first()
    assert catalog_search(query=series.title)[0].title == series.title
    profile = Profile.objects.filter(resume_points__isnull=False).first()
    rows = home_rows(profile=profile)
    assert rows["series"] and rows["films"] and rows["trending"]
    call_command("seed_scale", *SMALL)  # a second run finds the catalog and adds nothing
    assert Episode.objects.count() == 600 and User.objects.count() == 50
