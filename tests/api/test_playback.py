"""Playback and downloads through the API: start answers with a signed master URL that the stream view accepts,
heartbeats renew it and keep the resume point, stop frees the slot; the plan's stream limit, the kids limit, the
licence territory and the subscription are the playback services' own decisions, so the API refuses exactly what
the web player refuses."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from reelhouse.accounts import devicegrant
from reelhouse.accounts.models import Device
from reelhouse.accounts.services import user_create
from reelhouse.billing.models import Subscription
from reelhouse.billing.services import subscription_grant
from reelhouse.playback.models import PlaybackSession, ResumePoint
from tests.api.conftest import Bearer, device_token

pytestmark = pytest.mark.django_db


def start(client, work, expect: int = 200) -> dict:
    response = client.send("post", "/api/v1/playback/start", {"work_id": work.pk})
    assert response.status_code == expect, response.content[:400]
    return response.json()


def beat(client, session_id, position: float, duration: float = 60, expect: int = 200, ended: bool = False):
    response = client.send("post", f"/api/v1/playback/{session_id}/heartbeat",
                           {"position_s": position, "duration_s": duration, "ended": ended})
    assert response.status_code == expect, response.content[:400]
    return response.json()


@pytest.fixture
def package():
    """The files of the shared placeholder asset: a master playlist and one 720p download."""
    root = Path(settings.MEDIA_ROOT) / "packages" / "api"
    (root / "download").mkdir(parents=True)
    (root / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n"
                                      "v360/index.m3u8\n")
    (root / "download" / "360.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    return root


def test_start_answers_a_signed_master_url_the_stream_view_serves(world, package):
    played = start(world.a, world.film)
    assert played["heartbeat_s"] == 30 and played["resume_s"] == 0
    url = urlsplit(played["master_url"])
    assert url.scheme == "http" and url.path.startswith("/stream/") and url.path.endswith("/master.m3u8")
    master = Client().get(url.path)  # the token is in the path: no credentials needed
    assert master.status_code == 200 and master.content.startswith(b"#EXTM3U")
    session = PlaybackSession.objects.get(pk=played["session_id"])
    assert session.profile == world.profile_a and session.device_id.startswith("api-device-")


def test_heartbeat_renews_the_url_and_keeps_the_resume_point(world):
    played = start(world.a, world.film)
    assert beat(world.a, played["session_id"], 30)["master_url"].endswith("/master.m3u8")
    progress = world.a.get(f"/api/v1/progress/{world.film.pk}").json()
    assert (progress["position_s"], progress["duration_s"], progress["watched"]) == (30, 60, False)
    assert progress["resume_s"] == 30
    assert [c["id"] for c in world.a.get("/api/v1/continue-watching").json()] == [world.film.pk]
    past_the_end = beat(world.a, played["session_id"], 500, duration=60, expect=422)
    assert past_the_end["code"] == "invalid_position" and "past the end" in past_the_end["message"]


def test_stop_ends_the_session_at_once_and_resume_starts_there(world):
    played = start(world.a, world.film)
    response = world.a.send("post", f"/api/v1/playback/{played['session_id']}/stop",
                            {"position_s": 20, "duration_s": 60})
    assert response.status_code == 204
    session = PlaybackSession.objects.get(pk=played["session_id"])
    assert session.ended_reason == "left"
    assert start(world.a, world.film)["resume_s"] == 20
    refused = beat(world.a, played["session_id"], 25, expect=403)
    assert refused["code"] == "left"


def test_the_plan_stream_limit_counts_api_devices(world):
    assert Subscription.objects.get(user=world.user_a).plan.max_streams == 2
    tv2 = Bearer(device_token(world.user_a, world.profile_a, name="Second TV"))
    tv3 = Bearer(device_token(world.user_a, world.profile_a, name="Third TV"))
    start(world.a, world.film)
    start(tv2, world.film)
    refused = start(tv3, world.film, expect=403)
    assert refused["code"] == "streams" and "allows 2 stream(s)" in refused["message"]
    start(world.a, world.film)  # the same device playing again takes its own stream over: never refused


def test_a_kids_profile_cannot_reach_a_mature_title(world):
    refused = start(world.kids, world.mature, expect=403)
    assert refused["code"] == "maturity"
    assert world.kids.get("/api/v1/films/night-shift-blood").status_code == 404
    assert "night-shift-blood" not in {r["slug"] for r in world.kids.get("/api/v1/search", {"q": "night"}).json()
                                       ["results"]}
    assert "night-shift-blood" not in {c["slug"] for c in world.kids.get("/api/v1/home").json()["films"]}
    assert world.kids.send("post", "/api/v1/downloads", {"work_id": world.mature.pk}).json()["code"] == "maturity"
    start(world.kids, world.episodes[0])  # rated for all ages: plays


def test_a_territory_limited_title_from_a_country_it_does_not_cover(world):
    refused = start(world.a, world.french, expect=403)
    assert refused["code"] == "territory" and "(US)" in refused["message"]
    assert world.a.get("/api/v1/films/le-quai").status_code == 404
    parisian = user_create(email="fr@example.com", password="correct horse battery", country="FR")
    subscription_grant(user=parisian, days=30)
    paris = Bearer(device_token(parisian, parisian.profiles.get()))
    assert paris.get("/api/v1/films/le-quai").json()["title"] == "Le Quai"
    start(paris, world.french)


def test_without_a_subscription_playback_is_refused(world):
    lapsed = user_create(email="lapsed@example.com", password="correct horse battery")
    client = Bearer(device_token(lapsed, lapsed.profiles.get()))
    assert start(client, world.film, expect=403)["code"] == "subscription"


def test_revoking_the_device_stops_its_heartbeats(world):
    played = start(world.a, world.film)
    devicegrant.device_revoke(device=Device.objects.get(profile=world.profile_a), actor=world.user_a)
    response = world.a.send("post", f"/api/v1/playback/{played['session_id']}/heartbeat",
                            {"position_s": 5, "duration_s": 60})
    assert response.status_code == 401


def test_downloads_take_a_slot_list_link_and_remove(world, package):
    taken = world.a.send("post", "/api/v1/downloads", {"work_id": world.film.pk})
    assert taken.status_code == 200, taken.content
    download = taken.json()
    assert download["quality"] == "360" and download["problem"] == ""
    assert world.a.send("post", "/api/v1/downloads", {"work_id": world.film.pk}).json()["id"] == download["id"]
    assert [d["id"] for d in world.a.get("/api/v1/downloads").json()] == [download["id"]]
    assert world.a.get("/api/v1/account").json()["active_downloads"] == 1
    file = Client().get(urlsplit(download["url"]).path)
    assert file.status_code == 200 and b"".join(file.streaming_content).startswith(b"\x00\x00\x00\x18ftyp")
    assert world.a.delete(f"/api/v1/downloads/{download['id']}").status_code == 204
    assert world.a.get("/api/v1/downloads").json() == []
    again = world.a.get(f"/api/v1/downloads/{download['id']}").json()
    assert again["url"] == "" and "removed" in again["problem"]
    assert Client().get(urlsplit(download["url"]).path).status_code == 403


def test_a_download_of_a_quality_the_title_lacks_is_refused_with_the_choices(world, package):
    refused = world.a.send("post", "/api/v1/downloads", {"work_id": world.film.pk, "quality": "1080"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "quality" and "360p" in refused.json()["message"]


def test_progress_of_a_work_never_watched_is_404(world):
    assert world.a.get(f"/api/v1/progress/{world.film.pk}").json()["code"] == "not_found"
    assert not ResumePoint.objects.exists()
