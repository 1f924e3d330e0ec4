"""The licensor's token goes only to the feed's own origin (or an origin the operator listed), never to another
host, also not on a redirect, and never over plain http; moving a feed to another origin drops its token. Played
through the real fetch against the real loopback feed server (https and plain http)."""

import pytest

from reelhouse.core.models import AuditEvent
from reelhouse.ingest import crypto
from reelhouse.ingest.dispatch import feed_fetch
from reelhouse.ingest.models import FeedItem, Source
from tests.ingest.conftest import sha
from tests.ingest.test_feed_outbound import PUBLIC, PlayedNetwork
from tests.ingest.test_feeds import NOT_VIDEO, manifest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def partner(feed_source, feed_server):
    """The feed at https://partner.test:<port>/feed; cdn.test is another host on the same (played) address."""
    port = feed_server.url.rsplit(":", 1)[1]
    Source.objects.filter(pk=feed_source.pk).update(feed_url=f"https://partner.test:{port}/feed",
                                                    feed_allowed_networks="")
    feed_source.refresh_from_db()
    net = PlayedNetwork(names={"partner.test": [PUBLIC], "cdn.partner.test": [PUBLIC]})
    return feed_source, net, port


def _auth_by_path(feed_server) -> dict[str, str | None]:
    return {p: h.get("Authorization") for p, h in feed_server.requests}


def test_the_token_goes_to_the_feed_origin_only_also_across_redirects(partner, feed_server):
    source, net, port = partner
    own, cdn = f"https://partner.test:{port}", f"https://cdn.partner.test:{port}"
    for name in ("a", "b", "c"):
        feed_server.add(f"/files/{name}.mkv", NOT_VIDEO + name.encode())
    feed_server.add("/files/hop.mkv", b"", location=f"{cdn}/files/c.mkv")
    entries = [{"url": f"{own}/files/a.mkv", "path": "a.mkv"}, {"url": f"{cdn}/files/b.mkv", "path": "b.mkv"},
               {"url": f"{own}/files/hop.mkv", "path": "c.mkv"}]
    feed_server.add("/feed", manifest(*[e | {"size": len(NOT_VIDEO) + 1, "sha256": sha(NOT_VIDEO + e["path"][0]
                                                                                        .encode())}
                                        for e in entries]))

    assert feed_fetch(source=source, network=net.network())["downloaded"] == 3

    auth = _auth_by_path(feed_server)
    assert auth["/feed"] == auth["/files/a.mkv"] == auth["/files/hop.mkv"] == "Bearer s3cret"
    assert auth["/files/b.mkv"] is None  # another host
    assert auth["/files/c.mkv"] is None  # reached by a redirect from the feed's origin to another host
    hosts = {p: h["Host"] for p, h in feed_server.requests}
    assert hosts["/files/b.mkv"] == hosts["/files/c.mkv"] == f"cdn.partner.test:{port}"


def test_an_origin_the_operator_listed_receives_the_token(partner, feed_server):
    source, net, port = partner
    Source.objects.filter(pk=source.pk).update(feed_token_origins=f"https://cdn.partner.test:{port}")
    source.refresh_from_db()
    feed_server.add("/files/b.mkv", NOT_VIDEO)
    feed_server.add("/feed", manifest({"url": f"https://cdn.partner.test:{port}/files/b.mkv", "path": "b.mkv",
                                       "size": len(NOT_VIDEO), "sha256": sha(NOT_VIDEO)}))
    assert feed_fetch(source=source, network=net.network())["downloaded"] == 1
    assert _auth_by_path(feed_server)["/files/b.mkv"] == "Bearer s3cret"


def test_a_feed_over_plain_http_with_a_token_is_refused_before_anything_is_sent(feed_source, feed_server):
    Source.objects.filter(pk=feed_source.pk).update(feed_url=feed_server.plain_url + "/feed")
    feed_source.refresh_from_db()
    feed_server.add("/feed", manifest())

    counts = feed_fetch(source=feed_source)

    feed_source.refresh_from_db()
    assert "never sent over plain http, so nothing was requested" in counts["error"]
    assert feed_source.last_error == counts["error"] and feed_source.last_fetch_at is not None
    assert feed_server.requests == []


def test_plain_http_entries_get_no_token_and_a_listed_http_origin_is_refused(partner, feed_server):
    source, net, _port = partner
    plain_port = feed_server.plain_url.rsplit(":", 1)[1]
    feed_server.add("/files/p.mkv", NOT_VIDEO)
    feed_server.add("/files/q.mkv", NOT_VIDEO + b"q")
    # Listed origins must be https (the form refuses others); one written into the table directly is refused too.
    Source.objects.filter(pk=source.pk).update(feed_token_origins=f"http://cdn.partner.test:{plain_port}")
    source.refresh_from_db()
    feed_server.add("/feed", manifest(
        {"url": f"http://partner.test:{plain_port}/files/p.mkv", "path": "p.mkv", "size": len(NOT_VIDEO),
         "sha256": sha(NOT_VIDEO)},
        {"url": f"http://cdn.partner.test:{plain_port}/files/q.mkv", "path": "q.mkv", "size": len(NOT_VIDEO) + 1,
         "sha256": sha(NOT_VIDEO + b"q")}))

    feed_fetch(source=source, network=net.network())

    items = {item.path: item for item in FeedItem.objects.all()}
    assert items["p.mkv"].state == FeedItem.State.DONE and _auth_by_path(feed_server)["/files/p.mkv"] is None
    assert items["q.mkv"].state == FeedItem.State.FAILED
    assert "the licensor's token is never sent over plain http" in items["q.mkv"].reason
    assert "/files/q.mkv" not in _auth_by_path(feed_server)


def test_moving_the_feed_to_another_origin_drops_its_token(feed_source):
    feed_source.feed_url = feed_source.feed_url.replace("/feed", "/v2/feed.json")  # same origin: kept
    feed_source.save()
    assert crypto.decrypt(Source.objects.get().feed_token) == "Bearer s3cret"

    feed_source.feed_url = "https://elsewhere.example/feed"
    feed_source.save(update_fields=["feed_url"])
    assert Source.objects.get().feed_token == ""

    feed_source.feed_url, feed_source.feed_token = "https://partner.example/feed", "Bearer n3w"  # both at once
    feed_source.save()
    assert crypto.decrypt(Source.objects.get().feed_token) == "Bearer n3w"


def test_the_admin_says_the_token_was_dropped_when_the_origin_changes(admin_client, feed_source):
    form = {"name": feed_source.name, "kind": "feed", "path": feed_source.path,
            "feed_url": "https://new-partner.example/feed", "feed_auth_header": "Authorization",
            "feed_interval_s": 3600, "licensor": feed_source.licensor_id, "licence": feed_source.licence_id,
            "enabled": "on", "feed_allowed_networks": "127.0.0.0/8", "feed_token_origins": ""}
    page = admin_client.post(f"/admin/ingest/source/{feed_source.pk}/change/", form, follow=True).content.decode()
    assert "its stored token was removed" in page and Source.objects.get().feed_token == ""
    assert AuditEvent.objects.filter(action="source.feed_token_cleared").count() == 1

    bad = form | {"feed_allowed_networks": "10.20.0.0/16 intranet", "feed_token_origins": "http://cdn.example"}
    page = admin_client.post(f"/admin/ingest/source/{feed_source.pk}/change/", bad).content.decode()
    assert "&#x27;intranet&#x27; is not a network" in page and "write each origin as https://host[:port]" in page
