"""A film named without a year (issue 17): the catalog decides which work it is; only a title two catalogued films
share is held, and the operator's answer (`--year`) sends it on. Real scan, probe, transcode and CLI."""

from io import StringIO

import pytest
from django.core.management import call_command

from reelhouse.catalog.models import Film
from reelhouse.ingest.models import Delivery
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


def _film(title: str, year: int | None, licence=None) -> Film:
    return Film.objects.create(kind="film", title=title, year=year, slug=f"{title}-{year}".lower().replace(" ", "-"),
                               licence=licence)


def test_a_yearless_film_lands_on_the_one_catalogued_film_of_that_title(licensed_source, clip_cache):
    known = _film("Quiet Hours", 2018)
    deliver(licensed_source, "Quiet.Hours.1080p.WEB.h264-GRP.mkv", clip_cache(seconds=2))
    scan_until_settled(licensed_source)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.reason
    assert delivery.work_id == known.pk and Film.objects.count() == 1
    known.refresh_from_db()
    assert known.is_published and known.year == 2018


def test_a_yearless_film_nobody_catalogued_becomes_a_film_without_a_year(licensed_source, clip_cache):
    deliver(licensed_source, "Some Film 480p.mp4", clip_cache(seconds=2))
    scan_until_settled(licensed_source)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.reason
    film = Film.objects.get()
    assert (film.title, film.year, film.pk) == ("Some Film", None, delivery.work_id)


def test_a_title_two_films_share_is_held_until_the_operator_says_which(licensed_source, clip_cache):
    _film("Night Walk", 2019)
    later = _film("Night Walk", 2023)
    deliver(licensed_source, "Night Walk.mkv", clip_cache(seconds=2))
    scan_until_settled(licensed_source)
    held = Delivery.objects.get()
    assert held.state == Delivery.State.QUARANTINED
    assert "'Night Walk' has no year and the catalog has 2 films of that title" in held.reason
    assert "Night Walk (2019), Night Walk (2023)" in held.reason and f"assign {held.pk} --film" in held.reason

    out = StringIO()
    call_command("ingest", "quarantine", "assign", str(held.pk), "--film", "Night Walk", "--year", "2023", stdout=out)
    assert out.getvalue().startswith(f"#{held.pk} published")
    held.refresh_from_db()
    assert held.work_id == later.pk and Film.objects.count() == 2


def test_the_licence_picks_among_films_that_share_a_title(licensed_source, clip_cache):
    _film("Night Walk", 2019)
    ours = _film("Night Walk", 2023, licence=licensed_source.licence)
    deliver(licensed_source, "Night.Walk.720p.HDTV.x264-GRP.mkv", clip_cache(seconds=2))
    scan_until_settled(licensed_source)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.reason
    assert delivery.work_id == ours.pk
