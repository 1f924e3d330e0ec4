"""Private iCal links per staff member (stored hashed, revocable) and partner-feed tokens encrypted at rest and
never shown back in the admin, while still sent to the partner."""

import datetime as dt
import hashlib
import re

import pytest
from django.db import connection

from reelhouse.accounts.services import user_create
from reelhouse.catalog.services import episode_expect, series_for_guide
from reelhouse.core import clock, crypto
from reelhouse.ingest.dispatch import feed_fetch
from reelhouse.ingest.models import CalendarToken, Source
from reelhouse.ingest.services import IngestError, calendar_token_create
from reelhouse.rights.models import Licence, Licensor
from tests.conftest import with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return with_role(user_create(email="ops@example.com", password="x" * 12, is_staff=True), "content manager")


@pytest.fixture
def missing_episode(db):
    clock.advance(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC) - clock.now())
    licence = Licence.objects.create(licensor=Licensor.objects.create(name="Alpha Pictures"), name="A",
                                     starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    series = series_for_guide(title="Harbour", year=2026)
    episode_expect(series=series, season_number=1, number=1, air_date=dt.date(2026, 3, 5), licence=licence)
    episode_expect(series=series, season_number=1, number=2, air_date=dt.date(2026, 3, 24), licence=licence)


def _links(body: str) -> dict[str, str]:
    return {name: re.search(rf'value="http://testserver(/ops/ingest/links/[^"]+/{name}\.ics)"', body).group(1)
            for name in ("missing", "calendar")}


def test_a_staff_member_makes_a_private_link_that_works_without_a_session(client, staff, missing_episode):
    client.force_login(staff)
    page = client.post("/ops/ingest/links", {"label": "phone"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    links = _links(page.content.decode())
    raw = links["missing"].split("/")[4]

    token = CalendarToken.objects.get()
    assert (token.user, token.label, token.hint) == (staff, "phone", raw[:6])
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(list(CalendarToken.objects.values_list()))  # only the hash is stored
    assert raw not in client.get("/ops/ingest/links").content.decode()  # and shown only once

    client.logout()
    missing = client.get(links["missing"])
    assert missing.status_code == 200 and missing["Content-Type"].startswith("text/calendar")
    assert "DTSTART;VALUE=DATE:20260305" in missing.content.decode()
    assert missing["Referrer-Policy"] == "no-referrer"
    assert "DTSTART;VALUE=DATE:20260324" in client.get(links["calendar"]).content.decode()
    assert CalendarToken.objects.get().last_used_at is not None


def test_links_are_per_person_and_revoking_one_leaves_the_others(client, staff, missing_episode):
    other = with_role(user_create(email="ops2@example.com", password="y" * 12, is_staff=True), "content manager")
    mine, my_raw = calendar_token_create(user=staff, label="laptop")
    _, spare_raw = calendar_token_create(user=staff, label="phone")
    _, their_raw = calendar_token_create(user=other)
    assert len({my_raw, spare_raw, their_raw}) == 3

    client.force_login(other)
    assert client.post(f"/ops/ingest/links/{mine.pk}/revoke").status_code == 404  # not theirs to revoke
    client.force_login(staff)
    assert client.post(f"/ops/ingest/links/{mine.pk}/revoke").status_code == 302
    assert CalendarToken.objects.get(pk=mine.pk).revoked_at is not None
    page = client.get("/ops/ingest/links").content.decode()
    assert "laptop" in page and "revoked" in page and their_raw[:6] not in page  # each sees only their own
    client.logout()

    assert client.get(f"/ops/ingest/links/{my_raw}/missing.ics").status_code == 404
    assert client.get(f"/ops/ingest/links/{spare_raw}/missing.ics").status_code == 200
    assert client.get(f"/ops/ingest/links/{their_raw}/calendar.ics").status_code == 200
    assert client.get("/ops/ingest/links/not-a-token/missing.ics").status_code == 404


def test_a_link_stops_working_when_its_owner_leaves_the_staff(client, staff, missing_episode):
    _, raw = calendar_token_create(user=staff)
    staff.is_staff = False
    staff.save()
    assert client.get(f"/ops/ingest/links/{raw}/missing.ics").status_code == 404
    with pytest.raises(IngestError, match="active staff with the ingest pages' permission"):
        calendar_token_create(user=staff)


def test_admin_revokes_links_and_cannot_show_or_add_them(admin_client, staff):
    token, raw = calendar_token_create(user=staff, label="old phone")
    page = admin_client.get(f"/admin/ingest/calendartoken/{token.pk}/change/").content.decode()
    assert "old phone" in page
    assert token.token_hash not in page and raw not in page
    assert admin_client.get("/admin/ingest/calendartoken/add/").status_code == 403
    admin_client.post("/admin/ingest/calendartoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert CalendarToken.objects.get().revoked_at is not None


# --------------------------------------------------------------------------------------------- feed tokens


def _stored_token(source) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT feed_token FROM ingest_source WHERE id = %s", [source.pk])
        return cursor.fetchone()[0]


def test_feed_token_is_stored_encrypted_and_still_sent_to_the_partner(feed_source, feed_server):
    stored = _stored_token(feed_source)
    assert stored.startswith("enc:v1:") and "s3cret" not in stored
    assert crypto.decrypt(stored) == "Bearer s3cret"
    feed_server.add("/feed", b'{"deliveries": []}', content_type="application/json", status=401)

    assert feed_fetch(source=Source.objects.get(pk=feed_source.pk)) == {
        "entries": 0, "downloaded": 0, "refused": 0, "failed": 0, "pending": 0, "guide": 0}
    assert feed_server.requests[-1][1]["Authorization"] == "Bearer s3cret"


def test_a_token_encrypted_under_another_key_is_reported_not_sent(feed_source, feed_server, settings):
    feed_server.add("/feed", b'{"deliveries": []}', content_type="application/json")
    settings.SECRET_KEY = "another-secret-key-" + "z" * 40  # e.g. restored on a machine with another key

    counts = feed_fetch(source=Source.objects.get(pk=feed_source.pk))

    assert "cannot be decrypted with this server's key" in counts["error"]
    assert "enter the token again" in Source.objects.get(pk=feed_source.pk).last_error
    assert feed_server.requests == []  # nothing was sent rather than a wrong token


def test_admin_never_shows_the_feed_token_and_replaces_or_clears_it(admin_client, feed_source, feed_server):
    page = admin_client.get(f"/admin/ingest/source/{feed_source.pk}/change/").content.decode()
    assert "s3cret" not in page and _stored_token(feed_source) not in page
    assert "set (encrypted; not shown)" in page

    form = {"name": feed_source.name, "kind": "feed", "path": feed_source.path, "feed_url": feed_source.feed_url,
            "feed_auth_header": "Authorization", "feed_interval_s": 3600, "licensor": feed_source.licensor_id,
            "licence": feed_source.licence_id, "enabled": "on"}
    assert admin_client.post(f"/admin/ingest/source/{feed_source.pk}/change/", form).status_code == 302
    assert crypto.decrypt(_stored_token(feed_source)) == "Bearer s3cret"  # left empty: kept

    admin_client.post(f"/admin/ingest/source/{feed_source.pk}/change/", form | {"new_feed_token": "Bearer n3w"})
    assert crypto.decrypt(_stored_token(feed_source)) == "Bearer n3w" and "n3w" not in _stored_token(feed_source)
    page = admin_client.get(f"/admin/ingest/source/{feed_source.pk}/change/").content.decode()
    assert "n3w" not in page

    admin_client.post(f"/admin/ingest/source/{feed_source.pk}/change/", form | {"clear_feed_token": "on"})
    assert _stored_token(feed_source) == ""


def test_a_field_key_set_later_still_reads_tokens_stored_before(feed_source, settings):
    from cryptography.fernet import Fernet

    before = _stored_token(feed_source)
    settings.REELHOUSE_FIELD_KEY = Fernet.generate_key().decode()
    assert crypto.decrypt(before) == "Bearer s3cret"
    fresh = crypto.encrypt("Bearer n3w")
    settings.REELHOUSE_FIELD_KEY = Fernet.generate_key().decode()  # a different key, and not the derived one
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(fresh)


def test_a_malformed_field_key_is_named(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.REELHOUSE_FIELD_KEY = "not-a-key"
    with pytest.raises(ImproperlyConfigured, match="REELHOUSE_FIELD_KEY must be a Fernet key"):
        crypto.encrypt("Bearer x")
