"""Quarantine actions in the back office (Django admin), through the real admin views with the test client: assign
a held delivery to an episode or a film, retry it (also as a replacement), discard it. The same services as
`reelhouse ingest quarantine …`, so the outcome and the provenance are the same."""

from html.parser import HTMLParser
from pathlib import Path

import pytest

from reelhouse.catalog.models import Episode, Film
from reelhouse.core.models import AuditEvent
from reelhouse.ingest.models import Delivery
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


def _held(source, rel, clip=None, data=b"not a video\n"):
    if clip is not None:
        deliver(source, rel, clip)
    else:
        path = Path(source.path) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    scan_until_settled(source)
    delivery = Delivery.objects.get(path=rel)
    assert delivery.state == Delivery.State.QUARANTINED, delivery.reason
    return delivery


def test_held_delivery_page_offers_the_actions_and_shows_the_reason(admin_client, licensed_source):
    held = _held(licensed_source, "final_master_v3.mkv")
    page = admin_client.get(f"/admin/ingest/delivery/{held.pk}/change/").content.decode()
    assert f"/admin/ingest/delivery/{held.pk}/assign/" in page
    assert f'action="/admin/ingest/delivery/{held.pk}/retry/"' in page
    assert f'action="/admin/ingest/delivery/{held.pk}/discard/"' in page
    assert "cannot tell series/season/episode or film from the name" in page
    # The action forms sit outside the change form (a nested form is dropped by browsers), and each button's
    # form="…" names one of them.
    nesting = _FormNesting()
    nesting.feed(page)
    assert nesting.deepest == 1 and {"delivery-retry", "delivery-retry-replacement", "delivery-discard"} <= nesting.ids
    assert set(nesting.button_targets) == {"delivery-retry", "delivery-retry-replacement", "delivery-discard"}


class _FormNesting(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = self.deepest = 0
        self.ids, self.button_targets = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)
            self.ids.add(attrs.get("id"))
        elif tag == "button" and attrs.get("form"):
            self.button_targets.append(attrs["form"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.depth -= 1


def test_assign_an_episode_in_the_admin_publishes_it(admin_client, admin_user, licensed_source, clip_cache):
    held = _held(licensed_source, "incoming/final_master_v3.mkv", clip_cache(seconds=2))
    form = admin_client.get(f"/admin/ingest/delivery/{held.pk}/assign/")
    assert form.status_code == 200 and "Assign and run again" in form.content.decode()

    response = admin_client.post(f"/admin/ingest/delivery/{held.pk}/assign/", {
        "kind": "episode", "series": "Night Desk", "year": "2024", "season": "1", "episodes": "3, 4"})

    assert response.status_code == 302 and response["Location"] == f"/admin/ingest/delivery/{held.pk}/change/"
    held.refresh_from_db()
    assert held.state == Delivery.State.PUBLISHED, held.reason
    episode = Episode.objects.get()
    assert (episode.series.title, episode.season.number, episode.number, episode.number_end) == (
        "Night Desk", 1, 3, 4)
    assert held.override == {"kind": "episode", "series": "Night Desk", "year": 2024, "season": 1, "episodes": [3, 4]}
    assert next(d["outcome"] for d in held.decisions if d["step"] == "operator").startswith("assigned: ")
    assert AuditEvent.objects.filter(action="delivery.retried", actor=admin_user, subject_id=str(held.pk)).exists()
    messages = admin_client.get(f"/admin/ingest/delivery/{held.pk}/change/").content.decode()
    assert "Assigned: now published" in messages


def test_assign_a_film_in_the_admin(admin_client, licensed_source, clip_cache):
    held = _held(licensed_source, "dump/take_final.mkv", clip_cache(seconds=2))
    admin_client.post(f"/admin/ingest/delivery/{held.pk}/assign/", {"kind": "film", "film": "Morning Quays",
                                                                     "year": "2021"})
    held.refresh_from_db()
    assert held.state == Delivery.State.PUBLISHED, held.reason
    assert Film.objects.get().title == "Morning Quays" and held.work_id == Film.objects.get().pk


@pytest.mark.parametrize("post, error", [
    ({"kind": "episode", "series": "Night Desk", "season": "1"}, "An episode needs its series, season and episode"),
    ({"kind": "episode", "series": "Night Desk", "season": "1", "episodes": "one"}, "is not a list of episode"),
    ({"kind": "film", "film": ""}, "A film needs its title."),
    ({}, "This field is required."),
])
def test_assign_form_says_what_is_missing_and_changes_nothing(admin_client, licensed_source, post, error):
    held = _held(licensed_source, "final_master_v3.mkv")
    response = admin_client.post(f"/admin/ingest/delivery/{held.pk}/assign/", post)
    assert response.status_code == 200 and error in response.content.decode()
    held.refresh_from_db()
    assert held.state == Delivery.State.QUARANTINED and held.override == {}


def test_retry_and_discard_buttons(admin_client, licensed_source):
    a = _held(licensed_source, "a.txt", data=b"a\n")
    b = _held(licensed_source, "b.txt", data=b"b\n")

    response = admin_client.post(f"/admin/ingest/delivery/{a.pk}/retry/", {"replacement": "1"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == Delivery.State.QUARANTINED and a.replacement is True
    assert [d["outcome"] for d in a.decisions].count("retry as a replacement") == 1
    page = admin_client.get(f"/admin/ingest/delivery/{a.pk}/change/").content.decode()
    assert "Retried: now quarantined" in page

    admin_client.post(f"/admin/ingest/delivery/{b.pk}/discard/", {"reason": "test upload by the licensor"})
    b.refresh_from_db()
    assert (b.state, b.reason) == (Delivery.State.DISCARDED, "test upload by the licensor")
    assert (Path(licensed_source.path) / "b.txt").read_bytes() == b"b\n"  # the original is never touched

    again = admin_client.post(f"/admin/ingest/delivery/{b.pk}/retry/", follow=True).content.decode()
    assert "only quarantined or failed deliveries can be retried" in again
    assert admin_client.get(f"/admin/ingest/delivery/{b.pk}/retry/").status_code == 405  # actions are POST only
    assert f"/admin/ingest/delivery/{b.pk}/assign/" not in admin_client.get(
        f"/admin/ingest/delivery/{b.pk}/change/").content.decode()  # nothing to act on any more


def test_quarantine_actions_need_a_staff_user_with_change_permission(client, licensed_source):
    from reelhouse.accounts.services import user_create

    held = _held(licensed_source, "a.txt", data=b"a\n")
    assert client.post(f"/admin/ingest/delivery/{held.pk}/discard/").status_code == 302  # to the login page
    client.force_login(user_create(email="viewer@example.com", password="x" * 12, is_staff=True))
    assert client.post(f"/admin/ingest/delivery/{held.pk}/discard/").status_code == 403
    held.refresh_from_db()
    assert held.state == Delivery.State.QUARANTINED
