"""Licence lifecycle: operators are mailed (real SMTP) once per licence and threshold as a licence comes near its
end, and listed in the back office; subscribers see "Leaving soon" and "Leaving on <date>" only for titles whose
licences in THEIR territory end within the window."""

import datetime as dt
import email

import pytest
from django.urls import reverse

from reelhouse.accounts.services import user_create
from reelhouse.catalog.models import Episode, Work
from reelhouse.catalog.selectors import home_rows, title_leaving_on
from reelhouse.core import clock, scheduler
from reelhouse.notifications.delivery import mail_send_due
from reelhouse.rights.lifecycle import leaving_on, licence_end_warnings_send
from reelhouse.rights.models import Licence, LicenceEndWarning, Licensor
from tests.catalog.conftest import CatalogMaker
from tests.conftest import with_role

DAY = dt.timedelta(days=1)


def _licence(name, territories, ends_in_days):
    licensor, _ = Licensor.objects.get_or_create(name="Harbour Films")
    return Licence.objects.create(licensor=licensor, name=name, territories=territories,
                                  starts_at=clock.now() - 100 * DAY,
                                  ends_at=None if ends_in_days is None else clock.now() + ends_in_days * DAY)


def _subjects(smtp_server) -> list[tuple[list, str, str]]:
    mail_send_due()
    out = []
    for rcpt, raw in smtp_server.messages:
        msg = email.message_from_bytes(raw)
        out.append((rcpt, str(msg["Subject"]), msg.get_payload(decode=True).decode()))
    smtp_server.messages.clear()
    return out


@pytest.mark.django_db(transaction=True)
def test_operators_are_mailed_once_per_licence_and_threshold(settings, smtp_server):
    settings.REELHOUSE_LICENCE_WARN_DAYS = [30, 7]
    legal = with_role(user_create(email="legal@example.com", password="x" * 16, is_staff=True), "rights & legal")
    with_role(user_create(email="support@example.com", password="x" * 16, is_staff=True), "support agent")
    ending = _licence("Nordic 2026", "SE,NO", 20)
    _licence("Open-ended", "WW", None)
    _licence("Far away", "WW", 90)
    assert "rights.licence_end_warnings" in {p.name for p in scheduler.periodic_jobs()}

    licence_end_warnings_send()
    [(rcpt, subject, text)] = _subjects(smtp_server)
    assert rcpt == [legal.email]  # rights & legal and administrators only, not support
    assert subject == f"Licence ending: Harbour Films: Nordic 2026 on {ending.ends_at:%Y-%m-%d}"
    assert "in 20 days" in text and "territories SE,NO" in text and f"/admin/rights/licence/{ending.pk}/" in text

    licence_end_warnings_send()  # the next hourly run: nothing new
    clock.advance(5 * DAY)
    licence_end_warnings_send()
    assert _subjects(smtp_server) == []

    clock.advance(9 * DAY)  # 6 days left: the 7-day threshold
    licence_end_warnings_send()
    licence_end_warnings_send()
    [(_rcpt, _subject, text)] = _subjects(smtp_server)
    assert "in 6 days" in text
    assert set(LicenceEndWarning.objects.values_list("days", flat=True)) == {30, 7}

    ending.ends_at = clock.now() + 3 * DAY  # re-dated: a new end is warned about again, once (7 covers 30 too)
    ending.save()
    licence_end_warnings_send()
    licence_end_warnings_send()
    assert len(_subjects(smtp_server)) == 1


@pytest.mark.django_db
def test_the_back_office_lists_licences_ending_soon(settings, client):
    settings.REELHOUSE_LICENCE_WARN_DAYS = [30, 7]
    _licence("Nordic 2026", "SE,NO", 20)
    _licence("Far away", "WW", 90)
    legal = with_role(user_create(email="legal@example.com", password="x" * 16, is_staff=True), "rights & legal")
    client.force_login(legal)
    page = client.get(reverse("admin:rights_endinglicence_changelist")).content.decode()
    assert "Nordic 2026" in page and "Far away" not in page and "not yet" in page
    licences = client.get(reverse("admin:rights_licence_changelist")).content.decode()
    assert "1 licence(s) end within 30 days" in licences  # the banner on the licence list


def test_a_title_leaves_when_its_last_licence_there_ends_within_the_window(settings):
    settings.REELHOUSE_LEAVING_SOON_DAYS = 30
    now = clock.now()
    assert leaving_on([now + 10 * DAY], at=now) == now + 10 * DAY
    assert leaving_on([now + 10 * DAY, now + 20 * DAY], at=now) == now + 20 * DAY
    assert leaving_on([now + 10 * DAY, None], at=now) is None  # one episode stays on
    assert leaving_on([now + 40 * DAY], at=now) is None and leaving_on([], at=now) is None


@pytest.mark.django_db
def test_leaving_soon_follows_the_viewers_territory(settings):
    """A series whose French episodes' licence ends in ten days leaves France, but not Germany, where its other
    episode's licence runs on; a film under a worldwide licence ending in ten days leaves everywhere."""
    settings.REELHOUSE_LEAVING_SOON_DAYS = 30
    settings.REELHOUSE_HOME_CACHE_SECONDS = 0
    catalog = CatalogMaker()
    series = catalog.series("Harbour Lights", episodes=2)
    first, second = Episode.objects.filter(series=series).order_by("number")
    fr_ends = _licence("FR ends", "FR", 10)
    Work.objects.filter(pk=first.pk).update(licence=fr_ends)
    Work.objects.filter(pk=second.pk).update(licence=_licence("DE runs on", "DE", None))
    film = catalog.film("Night Ferry")
    ww_ends = _licence("WW ends", "WW", 10)
    Work.objects.filter(pk=film.pk).update(licence=ww_ends)
    staying = catalog.film("Long Summer")
    Work.objects.filter(pk=staying.pk).update(licence=_licence("WW long", "WW", 200))
    catalog.index()
    film.refresh_from_db()

    def leaving(country):
        return {card.title for card in home_rows(profile=None, country=country)["leaving_soon"]}

    assert leaving("FR") == {"Harbour Lights", "Night Ferry"}
    assert leaving("DE") == {"Night Ferry"}
    assert title_leaving_on(profile=None, country="FR", series=series) == fr_ends.ends_at
    assert title_leaving_on(profile=None, country="DE", series=series) is None
    assert title_leaving_on(profile=None, country="DE", film=film) == ww_ends.ends_at
