"""Open redirects: every view that sends the browser to a request-supplied `next` keeps it on this site
(reelhouse.core.http.safe_next is the one check). Each case performs the attack against the real view."""

import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from reelhouse.accounts.services import profile_create
from reelhouse.catalog.models import Work
from reelhouse.core import clock
from reelhouse.media.models import Asset
from reelhouse.playback.services import playback_start

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"

HOSTILE = ["/\\evil.example", "https://evil.example/", "//evil.example", "\\\\evil.example", "javascript:alert(1)",
           "http:///evil.example", " //evil.example", "/\\/evil.example", "https:evil.example"]


def on_site(location: str) -> bool:
    parts = urlsplit(location.replace("\\", "/"))
    return (parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver")
            and location.startswith("/") and location[1:2] not in ("/", "\\") and "evil.example" not in location)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def signed_in(client, subscriber):
    client.force_login(subscriber)
    return client


def _profile_enter(client, subscriber, nxt):
    kid = profile_create(user=subscriber, name="Other")
    return client.post(f"/accounts/profiles/{kid.pk}/enter/", {"next": nxt})


def _profile_picker(client, subscriber, nxt):
    return client.get("/accounts/profiles/", {"next": nxt})  # one unlocked profile: entered, then `next`


def _sign_in(client, subscriber, nxt):
    client.logout()
    return client.post("/accounts/login/", {"username": subscriber.email, "password": PASSWORD, "next": nxt})


def _sign_out(client, subscriber, nxt):
    return client.post("/accounts/logout/", {"next": nxt})


def _sign_up(client, subscriber, nxt):
    client.logout()
    return client.post("/accounts/signup/", {"email": "new@example.com", "password": "another horse battery",
                                             "country": "FR", "next": nxt})


def _language(client, subscriber, nxt):
    return client.post("/i18n/setlang/", {"language": "fr", "next": nxt}, headers={"referer": nxt})


def _my_list(client, subscriber, nxt):
    from tests.catalog.conftest import CatalogMaker

    film = CatalogMaker().film("Sharp Turn")
    return client.post(f"/my-list/films/{film.slug}", {"listed": "1", "next": nxt})


def _stream_stop(client, subscriber, nxt):
    from reelhouse.rights.models import Licence, Licensor

    licence = Licence.objects.create(licensor=Licensor.objects.create(name="L"), name="WW", territories="WW",
                                     starts_at=clock.now().replace(year=2020))
    work = Work.objects.create(kind=Work.Kind.FILM, title="Stop Me", licence=licence, published_at=clock.now())
    work.asset = Asset.objects.create(work=work, source_sha256="cd" * 32, directory="packages/y", duration_s=4,
                                      width=854, height=480)
    work.save(update_fields=["asset"])
    session = playback_start(profile=subscriber.profiles.get(), work=work, device="Firefox")
    return client.post(f"/account/streams/{session.pk}/stop/", {"next": nxt})


def _owner_confirm(client, subscriber, nxt):
    other = profile_create(user=subscriber, name="Other")
    client.post(f"/accounts/profiles/{other.pk}/enter/", {"next": "/"})
    return client.post("/accounts/owner/", {"password": PASSWORD, "next": nxt})


VIEWS = {"profile switch": _profile_enter, "profile picker": _profile_picker, "sign in": _sign_in,
         "sign out": _sign_out, "language switch": _language, "my list toggle": _my_list,
         "stream stop": _stream_stop, "owner confirmation": _owner_confirm}


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("view", VIEWS)
def test_no_view_redirects_off_site(signed_in, subscriber, view, hostile):
    response = VIEWS[view](signed_in, subscriber, hostile)
    assert response.status_code == 302, (view, response.status_code)
    assert on_site(response["Location"]), (view, hostile, response["Location"])


@pytest.mark.parametrize("hostile", HOSTILE)
def test_sign_up_carries_only_an_on_site_next_to_the_sign_in_link(signed_in, subscriber, hostile):
    """Sign-up answers with a page, never a redirect (issue 12: the same page whether or not the address is
    registered); its sign-in link carries the next address only when it stays on this site."""
    import urllib.parse

    response = _sign_up(signed_in, subscriber, hostile)
    assert response.status_code == 200
    link = re.search(r'href="/accounts/login/\?next=([^"]*)"', response.content.decode()).group(1)
    assert urllib.parse.unquote(link) == "/"
    response = _sign_up(signed_in, subscriber, "/calendar/?page=2")
    assert 'href="/accounts/login/?next=/calendar/%3Fpage%3D2"' in response.content.decode()


@pytest.mark.parametrize("view", VIEWS)
def test_an_on_site_next_is_still_followed(signed_in, subscriber, view):
    response = VIEWS[view](signed_in, subscriber, "/calendar/?page=2")
    assert response["Location"] == "/calendar/?page=2", view


def test_an_absolute_address_of_this_site_over_http_is_refused_when_the_request_came_over_https(signed_in):
    from django.test import RequestFactory

    from reelhouse.core.http import safe_next

    request = RequestFactory().post("/", {"next": "http://testserver/calendar/"}, secure=True)
    assert safe_next(request) == "/"
    request = RequestFactory().post("/", {"next": "https://testserver/calendar/"}, secure=True)
    assert safe_next(request) == "https://testserver/calendar/"
