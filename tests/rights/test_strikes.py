"""Repeat infringers: an accepted notice strikes the source that delivered the work; at the configured number of
strikes the source's ingest is suspended (its folder is not read, its deliveries are held with the reason) until a
rights & legal operator lifts it; every step is in the audit trail. Real pipeline, real ffmpeg on tiny clips."""

import pytest
from django.urls import reverse

from reelhouse.accounts.services import user_create
from reelhouse.catalog.models import Episode
from reelhouse.core.audit import audit_verify
from reelhouse.core.models import AuditEvent
from reelhouse.ingest.dispatch import sources_scan
from reelhouse.ingest.models import Delivery, Source
from reelhouse.ingest.services import delivery_process, feed_read_and_download
from reelhouse.rights.models import Notice, SourceSuspension, Strike
from reelhouse.rights.notices import notice_decide
from reelhouse.rights.strikes import StrikeError, lift_suspension, record_strike, source_suspended
from tests.conftest import deliver, scan_until_settled, with_role

EP = "Night Desk (2024)/Season 01/Night Desk - S01E0{n} - Part {n}.mkv"


def _notice(episode, n: int) -> Notice:
    return Notice.objects.create(
        claimant_name="Ada", claimant_address="1 Rue X", claimant_email="ada@claim.example",
        works_claimed=f"Night Desk S01E0{n}", scope="episode", urls=f"/watch/{episode.pk}/", explanation="Ours.",
        good_faith=True, accurate=True, signature="Ada", reference=f"RH-2026-00010{n}")


@pytest.mark.django_db(transaction=True)
def test_accepted_notices_strike_the_source_until_it_is_suspended_then_lifted(settings, licensed_source, clip_cache,
                                                                              client):
    settings.REELHOUSE_STRIKES_BEFORE_SUSPENSION = 2
    clip = clip_cache(seconds=2, size="426x240")
    for n in (1, 2):
        deliver(licensed_source, EP.format(n=n), clip if n == 1 else clip_cache(seconds=2, size="320x180"))
    scan_until_settled(licensed_source)
    first, second = Episode.objects.order_by("number")
    assert first.is_published and second.is_published

    notice_decide(notice=_notice(first, 1), outcome="accepted", ground="Copyright", facts="Theirs.")
    strike = Strike.objects.get()
    assert (strike.source_type, strike.source_id, strike.work_id) == ("ingest.source", str(licensed_source.pk),
                                                                     first.pk)
    assert "RH-2026-000101" in strike.reason and not source_suspended(licensed_source)
    # Deciding the same notice's withdrawal again (a retried job) does not strike twice.
    record_strike(licensed_source, reason="again", notice=strike.notice)
    assert Strike.objects.count() == 1

    notice_decide(notice=_notice(second, 2), outcome="accepted", ground="Copyright", facts="Theirs.")
    assert Strike.objects.count() == 2 and source_suspended(licensed_source)
    suspension = SourceSuspension.objects.get()
    assert suspension.strikes == 2 and suspension.source_name == "Test source"

    # Suspended: a new file in its folder is not even looked at by the periodic scan...
    deliver(licensed_source, "Night Desk (2024)/Season 01/Night Desk - S01E03 - Part 3.mkv",
            clip_cache(seconds=3, size="320x180"))
    sources_scan()
    sources_scan(sources=[licensed_source])
    assert not Delivery.objects.filter(path__contains="S01E03").exists()
    # ...and a delivery already received is held, saying why and what to do.
    held = Delivery.objects.create(source=licensed_source, path="Night Desk (2024)/Season 01/Night Desk - S01E04 - "
                                   "Part 4.mkv", size=1, mtime_ns=0, sha256="f" * 64, state=Delivery.State.RECEIVED)
    held = delivery_process(delivery=held)
    assert held.state == Delivery.State.QUARANTINED
    assert "suspended" in held.reason and "after 2 strikes" in held.reason and "lift" in held.reason

    # Lifting needs a reason and the rights & legal role (the role table test covers every role).
    with pytest.raises(StrikeError, match="reason"):
        lift_suspension(licensed_source, actor=None, reason=" ")
    operator = with_role(user_create(email="legal@example.com", password="x" * 16, is_staff=True), "rights & legal")
    client.force_login(operator)
    url = reverse("admin:rights_sourcesuspension_changelist")
    asked = client.post(url, {"action": "lift", "_selected_action": [suspension.pk], "index": "0"})
    assert asked.status_code == 200 and b"Why the source may deliver again" in asked.content
    assert source_suspended(licensed_source)
    done = client.post(url, {"action": "lift", "_selected_action": [suspension.pk], "index": "0",
                             "reason": "Licensor replaced its delivery staff; checked the folder."})
    assert done.status_code == 302 and not source_suspended(licensed_source)
    suspension.refresh_from_db()
    assert suspension.lifted_by == operator and suspension.lift_reason.startswith("Licensor replaced")

    scan_until_settled(licensed_source)
    assert Delivery.objects.filter(path__contains="S01E03", state=Delivery.State.PUBLISHED).exists()

    actions = list(AuditEvent.objects.filter(action__in=["strike.recorded", "source.suspended",
                                                         "source.suspension_lifted"]).order_by("seq")
                   .values_list("action", flat=True))
    assert actions == ["strike.recorded", "strike.recorded", "source.suspended", "source.suspension_lifted"]
    lifted = AuditEvent.objects.get(action="source.suspension_lifted")
    assert lifted.actor_label == "legal@example.com" and lifted.reason.startswith("Licensor replaced")
    assert audit_verify().ok


@pytest.mark.django_db
def test_a_licensor_suspension_stops_every_source_bound_to_it(settings, licensed_source, tmp_path):
    """The fingerprint check (or an operator) can strike a licensor itself; its feeds are then not fetched."""
    settings.REELHOUSE_STRIKES_BEFORE_SUSPENSION = 1
    feed = Source.objects.create(name="Partner feed", kind=Source.Kind.FEED, path=str(tmp_path / "landing"),
                                 feed_url="https://feeds.example/feed.json", licensor=licensed_source.licensor)
    record_strike(licensed_source.licensor, reason="fingerprint of a work it has no rights to")
    assert source_suspended(licensed_source) and source_suspended(feed)
    assert not source_suspended(licensed_source, own_only=True)
    result = feed_read_and_download(source=feed, on_delivery=lambda pk: pytest.fail("nothing is downloaded"))
    assert "suspended" in result["suspended"] and "Test Licensor" in result["suspended"]
    from reelhouse.ingest.services import feeds_due

    assert feeds_due() == []
    lift_suspension(licensed_source.licensor, actor=None, reason="reviewed")
    assert feeds_due() == [feed] and not source_suspended(feed)


@pytest.mark.django_db
def test_the_policy_is_published_in_three_languages(client, settings):
    settings.REELHOUSE_STRIKES_BEFORE_SUSPENSION = 3
    for lang, words in (("en", "After 3 strikes"), ("fr", "Après 3 avertissements"), ("de", "Nach 3 Verstößen")):
        client.cookies["django_language"] = lang
        page = client.get(reverse("rights:repeat_infringers"), HTTP_ACCEPT_LANGUAGE=lang)
        assert page.status_code == 200 and words in page.content.decode(), lang
    form = client.get(reverse("rights:notice")).content.decode()
    assert reverse("rights:repeat_infringers") in form
