"""The API's catalog and library reads through the real URL map: a device's token sees what its profile may see
in the account's country (the web pages' selectors), lists are paged, errors are JSON with stable codes."""

import pytest
from django.test import Client

from reelhouse.accounts import devicegrant
from reelhouse.accounts.models import Device

pytestmark = pytest.mark.django_db


def slugs(cards) -> set[str]:
    return {c["slug"] for c in cards}


def test_without_credentials_every_endpoint_answers_401_in_json(world):
    response = Client().get("/api/v1/home")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_home_rows_hold_what_the_profile_may_see(world):
    home = world.a.get("/api/v1/home").json()
    films = slugs(home["films"])
    assert {"the-long-take", "night-shift-blood"} <= films
    assert "le-quai" not in films  # licensed for France only; A lives in the US
    assert "harbour-lights" in slugs(home["series"])
    assert home["leaving_soon"] == []  # every licence here is open-ended


def test_search_finds_a_series_with_its_id_and_slug(world):
    body = world.a.get("/api/v1/search", {"q": "harbour"}).json()
    assert body["query"] == "harbour"
    hit = next(r for r in body["results"] if r["kind"] == "series")
    assert (hit["id"], hit["slug"], hit["title"]) == (world.series.pk, "harbour-lights", "Harbour Lights")


def test_series_seasons_and_paged_episodes(world):
    series = world.a.get("/api/v1/series/harbour-lights").json()
    assert series["seasons"] == [{"number": 1, "title": "", "episode_count": 2}]
    assert series["in_my_list"] is False and series["following"] is False
    page = world.a.get("/api/v1/series/harbour-lights/seasons/1/episodes").json()
    assert (page["count"], page["page"], page["pages"]) == (2, 1, 1)
    assert [e["code"] for e in page["items"]] == ["S01E01", "S01E02"]
    assert page["items"][0]["id"] == world.episodes[0].pk
    missing = world.a.get("/api/v1/series/harbour-lights/seasons/9/episodes")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    out_of_range = world.a.get("/api/v1/series/harbour-lights/seasons/1/episodes", {"page": 5})
    assert out_of_range.status_code == 404


def test_episode_and_film_details(world):
    episode = world.a.get(f"/api/v1/episodes/{world.episodes[1].pk}").json()
    assert (episode["series_slug"], episode["code"], episode["title"]) == ("harbour-lights", "S01E02", "Night 2")
    film = world.a.get("/api/v1/films/the-long-take").json()
    assert (film["title"], film["year"], film["maturity"]) == ("The Long Take", 2001, 7)


def test_az_listing_is_paged(world):
    page = world.a.get("/api/v1/films", {"letter": "t"}).json()
    assert page["page"] == 1 and slugs(page["items"]) == {"the-long-take"}
    assert world.a.get("/api/v1/films", {"page": 99}).json()["code"] == "page_out_of_range"


def test_bad_input_is_a_422_naming_the_field(world):
    response = world.a.get("/api/v1/films", {"letter": "??"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request" and "letter" in body["message"]
    assert world.a.get("/api/v1/search", {"limit": "many"}).json()["code"] == "invalid_request"


def test_my_list_and_follows_round_trip(world):
    assert world.a.put("/api/v1/my-list/films/the-long-take").json() == {"listed": True}
    assert world.a.put("/api/v1/my-list/series/harbour-lights").json() == {"listed": True}
    listed = world.a.get("/api/v1/my-list").json()
    assert listed["count"] == 2 and slugs(listed["items"]) == {"the-long-take", "harbour-lights"}
    assert world.a.get("/api/v1/films/the-long-take").json()["in_my_list"] is True
    assert world.a.delete("/api/v1/my-list/films/the-long-take").json() == {"listed": False}
    assert world.a.get("/api/v1/my-list").json()["count"] == 1
    assert world.a.put("/api/v1/follows/harbour-lights").json() == {"following": True}
    assert slugs(world.a.get("/api/v1/follows").json()["items"]) == {"harbour-lights"}
    assert world.a.get("/api/v1/series/harbour-lights").json()["following"] is True
    assert world.a.delete("/api/v1/follows/harbour-lights").json() == {"following": False}
    assert world.a.get("/api/v1/follows").json()["count"] == 0
    assert world.a.put("/api/v1/my-list/films/le-quai").status_code == 404  # not visible in the US


def test_account_state_and_profiles_of_a_device(world):
    account = world.a.get("/api/v1/account").json()
    assert account["email"] == "a@example.com" and account["country"] == "US"
    assert account["subscription"]["max_streams"] >= 1
    assert account["profile"]["id"] == world.profile_a.pk and account["device"]["name"] == "Test TV/1.0"
    kids = world.kids.get("/api/v1/account").json()
    assert kids["email"] == "" and kids["profile"]["is_kids"] is True  # the owner's profile alone sees the email
    assert [p["id"] for p in world.kids.get("/api/v1/profiles").json()] == [world.kids_a.pk]


def test_web_session_reads_as_its_active_profile(world):
    web = Client()
    web.force_login(world.user_a)
    profiles = web.get("/api/v1/profiles").json()
    assert {p["id"] for p in profiles} == {world.profile_a.pk, world.kids_a.pk}
    assert [p["id"] for p in profiles if p["current"]] == [world.profile_a.pk]
    assert web.get("/api/v1/account").json()["device"] is None


def test_a_revoked_device_token_fails_at_once(world):
    assert world.a.get("/api/v1/home").status_code == 200
    device = Device.objects.get(profile=world.profile_a)
    devicegrant.device_revoke(device=device, actor=world.user_a)
    response = world.a.get("/api/v1/home")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_the_request_limit_answers_429_with_retry_after(world, settings):
    settings.REELHOUSE_API_REQUESTS_PER_MINUTE = 3
    assert [world.b.get("/api/v1/profiles").status_code for _ in range(3)] == [200, 200, 200]
    response = world.b.get("/api/v1/profiles")
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0
    assert world.a.get("/api/v1/profiles").status_code == 200  # per device: A is not slowed by B


def test_guessing_tokens_is_rate_limited_per_address(world, settings):
    settings.REELHOUSE_API_BAD_TOKENS_PER_CLIENT = 2
    guesser = Client(HTTP_AUTHORIZATION="Bearer rhd_guess")
    assert [guesser.get("/api/v1/home").status_code for _ in range(3)] == [401, 401, 429]


def test_hot_reads_cost_a_fixed_number_of_queries_at_any_catalog_size(world):
    """The web pages' query budgets plus the credential's own (the device, its last use, the rate limit)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reelhouse.catalog.models import Film
    from reelhouse.catalog.services import search_index_rebuild
    from tests.api.conftest import _publish

    reads = ["/api/v1/home", "/api/v1/series/harbour-lights", "/api/v1/search?q=night", "/api/v1/films",
             "/api/v1/my-list"]

    def counts() -> list[int]:
        out = []
        for path in reads:
            with CaptureQueriesContext(connection) as queries:
                assert world.a.get(path).status_code == 200
            out.append(len(queries.captured_queries))
        return out

    counts()  # warm: the first request of a process reverses URL patterns once
    small = counts()
    held = {"asset": world.film.asset}
    for n in range(30):
        film = _publish(Film.objects.create(title=f"Night Film {n}", slug=f"night-film-{n}", year=2000 + n,
                                            runtime_s=60, maturity=0, licence=world.worldwide), held)
        world.a.put(f"/api/v1/my-list/films/{film.slug}")
    search_index_rebuild()
    big = counts()  # 30 more titles, all on My List: an N+1 would show here
    assert max(small + big) <= 14, (dict(zip(reads, small, strict=True)), dict(zip(reads, big, strict=True)))
