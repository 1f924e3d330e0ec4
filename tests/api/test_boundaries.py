"""The attacks, performed: account B's token (and A's kids profile's token) reaching for A's profiles, My List,
follows, progress, downloads and playback sessions; a token for one profile used as another; a revoked token; the
web session's writes without their CSRF token."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from reelhouse.catalog.models import Follow, MyListItem
from reelhouse.playback.models import Download, PlaybackSession, ResumePoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_has_everything(world):
    """A's adult profile with a list entry, a follow, a resume point, a download and a live playback session."""
    root = Path(settings.MEDIA_ROOT) / "packages" / "api" / "download"
    root.mkdir(parents=True)
    (root / "360.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    world.a.put("/api/v1/my-list/films/the-long-take")
    world.a.put("/api/v1/follows/harbour-lights")
    session = world.a.send("post", "/api/v1/playback/start", {"work_id": world.film.pk}).json()["session_id"]
    world.a.send("post", f"/api/v1/playback/{session}/heartbeat", {"position_s": 30, "duration_s": 60})
    download = world.a.send("post", "/api/v1/downloads", {"work_id": world.film.pk}).json()["id"]
    world.session_id, world.download_id = session, download
    return world


def _as_before(w) -> None:
    assert MyListItem.objects.filter(profile=w.profile_a).count() == 1
    assert Follow.objects.filter(profile=w.profile_a).count() == 1
    point = ResumePoint.objects.get(profile=w.profile_a, work=w.film)
    assert point.position_s == 30
    assert Download.objects.get(pk=w.download_id).revoked_at is None
    assert PlaybackSession.objects.get(pk=w.session_id).ended_at is None


@pytest.mark.parametrize("attacker", ["b", "kids"])
def test_another_account_or_profile_cannot_read_or_change_a_s_things(a_has_everything, attacker):
    w = a_has_everything
    other = getattr(w, attacker)
    assert other.get("/api/v1/my-list").json()["count"] == 0
    assert other.get("/api/v1/follows").json()["count"] == 0
    assert other.get(f"/api/v1/progress/{w.film.pk}").status_code == 404
    assert other.get("/api/v1/continue-watching").json() == []
    assert other.get("/api/v1/downloads").json() == []
    assert other.get(f"/api/v1/downloads/{w.download_id}").status_code == 404
    assert other.delete(f"/api/v1/downloads/{w.download_id}").status_code == 404
    beat = other.send("post", f"/api/v1/playback/{w.session_id}/heartbeat", {"position_s": 1, "duration_s": 60})
    assert beat.status_code == 404 and beat.json()["code"] == "not_found"
    stop = other.send("post", f"/api/v1/playback/{w.session_id}/stop", {"position_s": 1, "duration_s": 60})
    assert stop.status_code == 404
    profiles = other.get("/api/v1/profiles").json()
    assert w.profile_a.pk not in {p["id"] for p in profiles}
    assert other.get("/api/v1/account").json()["profile"]["id"] != w.profile_a.pk
    _as_before(w)


def test_a_profile_parameter_or_cookie_cannot_switch_a_token_to_another_profile(a_has_everything):
    """A token is its profile: no parameter, header or session cookie of another profile changes whose data it
    reads (the kids token with the adult profile's id in every place a client could put it)."""
    w = a_has_everything
    web = Client(HTTP_AUTHORIZATION=f"Bearer {w.token_kids}", HTTP_X_PROFILE=str(w.profile_a.pk))
    web.force_login(w.user_a)  # a session of the same account, whose active profile is the adult one
    assert web.get("/api/v1/my-list", {"profile": w.profile_a.pk}).json()["count"] == 0
    assert web.get("/api/v1/account", {"profile_id": w.profile_a.pk}).json()["profile"]["id"] == w.kids_a.pk
    assert web.get(f"/api/v1/progress/{w.film.pk}").status_code == 404


def test_a_revoked_token_is_refused_everywhere_at_once(a_has_everything):
    from reelhouse.accounts import devicegrant
    from reelhouse.accounts.models import Device

    w = a_has_everything
    devicegrant.device_revoke(device=Device.objects.get(profile=w.profile_a), actor=w.user_a)
    for method, path in [("get", "/api/v1/my-list"), ("get", "/api/v1/downloads"),
                         ("delete", f"/api/v1/downloads/{w.download_id}"), ("put", "/api/v1/follows/harbour-lights"),
                         ("get", f"/api/v1/progress/{w.film.pk}")]:
        assert getattr(w.a, method)(path).status_code == 401, path
    _as_before(w)


def test_session_writes_need_the_csrf_token(world):
    web = Client(enforce_csrf_checks=True)
    web.force_login(world.user_a)
    assert web.get("/api/v1/my-list").status_code == 200  # reads need no token
    forged = web.put("/api/v1/my-list/films/the-long-take")
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    forged = web.post("/api/v1/playback/start", {"work_id": world.film.pk}, content_type="application/json")
    assert forged.status_code == 403 and not PlaybackSession.objects.exists()
    assert not MyListItem.objects.exists()
    web.get("/account/")  # any page sets the CSRF cookie, which the web app's script sends back as a header
    token = web.cookies["csrftoken"].value
    allowed = web.put("/api/v1/my-list/films/the-long-take", HTTP_X_CSRFTOKEN=token)
    assert allowed.status_code == 200 and MyListItem.objects.filter(profile=world.profile_a).exists()


def test_a_bearer_token_needs_no_csrf_token(world):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {world.token_a}")
    assert client.put("/api/v1/follows/harbour-lights").json() == {"following": True}


def test_signing_out_everywhere_or_deleting_the_profile_ends_its_tokens(world):
    from reelhouse.accounts.services import profile_delete, sessions_end_everywhere

    assert world.kids.get("/api/v1/home").status_code == 200
    profile_delete(profile=world.kids_a)
    assert world.kids.get("/api/v1/home").status_code == 401
    sessions_end_everywhere(user=world.user_a)
    assert world.a.get("/api/v1/home").status_code == 401
    assert world.b.get("/api/v1/home").status_code == 200  # another account's devices stay signed in
