"""Partner feeds cannot be turned against the server's own network (SSRF) nor leak the licensor's token: attacks
played through the real fetch against the real loopback feed server.

Most tests give the partner a name (partner.test) that a stand-in resolver answers with a public address, and a
stand-in connect that routes that public address to the loopback server, as the Internet would route it to the
partner. So the partner needs no allowance, and anything that names or redirects to loopback, link-local,
private or metadata addresses is refused by the default policy, as in production.
"""

import socket
from dataclasses import dataclass, field

import pytest

from reelhouse.ingest import outbound
from reelhouse.ingest.dispatch import feed_fetch
from reelhouse.ingest.models import Delivery, FeedItem, Source
from tests.ingest.conftest import sha
from tests.ingest.test_feeds import NOT_VIDEO, manifest

pytestmark = pytest.mark.django_db(transaction=True)
PUBLIC = "93.184.216.34"  # what partner.test "resolves" to: a globally routable address


@dataclass
class PlayedNetwork:
    """DNS and routing played by the test: names map to lists of answers (one per lookup, the last repeating);
    public addresses in `routes` reach the loopback server. Every lookup and connection is recorded."""

    names: dict[str, list[str]]
    routes: dict[str, str] = field(default_factory=lambda: {PUBLIC: "127.0.0.1"})
    lookups: list[str] = field(default_factory=list)
    connects: list[tuple[str, int]] = field(default_factory=list)

    def resolve(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.names:
            return outbound.system_resolve(host, port)  # numeric spellings (2130706433, 0x7f.1) as the OS reads them
        answers = self.names[host]
        return [answers[min(self.lookups.count(host), len(answers)) - 1]]

    def connect(self, address: tuple[str, int], timeout: float) -> socket.socket:
        self.connects.append(address)
        return socket.create_connection((self.routes.get(address[0], address[0]), address[1]), timeout)

    def network(self) -> outbound.Network:
        return outbound.Network(resolve=self.resolve, connect=self.connect)


@pytest.fixture
def partner(feed_source, feed_server):
    """The feed registered as https://partner.test:<port>/feed, with no network allowance at all."""
    port = feed_server.url.rsplit(":", 1)[1]
    Source.objects.filter(pk=feed_source.pk).update(feed_url=f"https://partner.test:{port}/feed",
                                                    feed_allowed_networks="")
    feed_source.refresh_from_db()
    net = PlayedNetwork(names={"partner.test": [PUBLIC], "localhost.partner.test": ["127.0.0.1"]})
    return feed_source, net, f"https://partner.test:{port}", int(port)


def _items() -> dict[str, FeedItem]:
    return {item.path: item for item in FeedItem.objects.all()}


def test_a_partner_on_a_public_address_is_fetched_and_downloaded(partner, feed_server):
    source, net, base, port = partner
    feed_server.add("/files/ok.mkv", NOT_VIDEO)
    feed_server.add("/feed", manifest({"url": base + "/files/ok.mkv", "path": "ok.mkv", "size": len(NOT_VIDEO),
                                       "sha256": sha(NOT_VIDEO)}))
    counts = feed_fetch(source=source, network=net.network())
    assert counts["downloaded"] == 1, (counts, list(FeedItem.objects.values_list("reason", flat=True)))
    assert net.connects == [(PUBLIC, port), (PUBLIC, port)]
    assert {h["Host"] for _, h in feed_server.requests} == {f"partner.test:{port}"}  # the name, not the address


INTERNAL = [
    ("127.0.0.1", "a loopback address"),
    ("localhost.partner.test", "resolves to 127.0.0.1, a loopback address"),
    ("2130706433", "a loopback address"),  # 127.0.0.1 written as one number
    ("[::1]", "a loopback address"),
    ("[::ffff:127.0.0.1]", "a loopback address (127.0.0.1, inside the IPv6 address)"),
    ("0.0.0.0", "the unspecified address"),
    ("[::]", "the unspecified address"),
    ("169.254.169.254", "a cloud metadata address"),
    ("[::ffff:169.254.169.254]", "a cloud metadata address"),
    ("[fd00:ec2::254]", "a cloud metadata address"),
    ("10.0.0.5", "a private address"),
    ("192.168.1.1", "a private address"),
    ("[fc00::1]", "a private address"),
    ("[fe80::1]", "a link-local address"),
    ("224.0.0.1", "a multicast address"),
    ("100.64.0.1", "not a globally routable address"),
    ("240.0.0.1", "a reserved address"),
]


@pytest.mark.parametrize("host, what", INTERNAL, ids=[host for host, _ in INTERNAL])
def test_entries_naming_internal_addresses_are_refused_without_a_connection(partner, feed_server, host, what):
    source, net, _base, port = partner
    feed_server.add("/files/x.mkv", NOT_VIDEO)
    feed_server.add("/feed", manifest({"url": f"http://{host}:{port}/files/x.mkv", "path": "x.mkv",
                                       "size": len(NOT_VIDEO), "sha256": sha(NOT_VIDEO)}))

    counts = feed_fetch(source=source, network=net.network())

    item = FeedItem.objects.get()
    assert counts["failed"] == 1 and item.state == FeedItem.State.FAILED, item.reason
    assert what in item.reason and "partner feeds may only reach public addresses" in item.reason
    assert item.attempts == 1  # refused for good: not retried, not resumed
    assert net.connects == [(PUBLIC, port)]  # the feed only; nothing was opened towards the entry
    assert feed_server.routes["/files/x.mkv"].hits == 0 and not Delivery.objects.exists()


@pytest.mark.parametrize("target, what", [
    ("http://127.0.0.1:{port}/files/secret.mkv", "a loopback address"),
    ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "a cloud metadata address"),
    ("https://localhost.partner.test:{port}/files/secret.mkv", "resolves to 127.0.0.1, a loopback address"),
])
def test_a_redirect_into_the_server_network_is_refused_at_that_hop(partner, feed_server, target, what):
    source, net, base, port = partner
    feed_server.add("/files/secret.mkv", NOT_VIDEO)
    feed_server.add("/files/r.mkv", b"", location=target.format(port=port))
    feed_server.add("/feed", manifest({"url": base + "/files/r.mkv", "path": "r.mkv", "size": len(NOT_VIDEO),
                                       "sha256": sha(NOT_VIDEO)}))

    feed_fetch(source=source, network=net.network())

    item = FeedItem.objects.get()
    assert item.state == FeedItem.State.FAILED and what in item.reason, item.reason
    assert feed_server.routes["/files/r.mkv"].hits == 1 and feed_server.routes["/files/secret.mkv"].hits == 0
    assert {address for address, _ in net.connects} == {PUBLIC}


def test_a_feed_on_loopback_is_refused_unless_its_network_is_allowed(feed_source, feed_server):
    Source.objects.filter(pk=feed_source.pk).update(feed_allowed_networks="")
    feed_source.refresh_from_db()
    feed_server.add("/feed", manifest())

    counts = feed_fetch(source=feed_source)

    feed_source.refresh_from_db()
    assert "127.0.0.1, a loopback address" in counts["error"] and feed_source.last_error == counts["error"]
    assert "add its network to the source's allowed networks" in counts["error"]
    assert feed_server.requests == [] and feed_source.last_fetch_at is not None  # waits its interval


def test_an_on_premises_partner_in_an_allowed_private_range_is_reached(partner, feed_server, settings,
                                                                       admin_client):
    source, net, _base, port = partner
    net.names["nas.partner.test"] = ["10.20.1.5"]
    net.routes["10.20.1.5"] = "127.0.0.1"
    feed_server.add("/files/onprem.mkv", NOT_VIDEO)
    entry = {"url": f"https://nas.partner.test:{port}/files/onprem.mkv", "path": "onprem.mkv",
             "size": len(NOT_VIDEO), "sha256": sha(NOT_VIDEO)}
    feed_server.add("/feed", manifest(entry))

    feed_fetch(source=source, network=net.network())
    item = FeedItem.objects.get()
    assert item.state == FeedItem.State.FAILED and "10.20.1.5, a private address" in item.reason

    # The operator allows the partner's network and asks for the failed item again: nothing was lost.
    Source.objects.filter(pk=source.pk).update(feed_allowed_networks="10.20.0.0/16")
    source.refresh_from_db()
    admin_client.post("/admin/ingest/feeditem/", {"action": "retry_feed_items", "_selected_action": [item.pk]})
    assert FeedItem.objects.get().state == FeedItem.State.PENDING
    assert feed_fetch(source=source, network=net.network())["downloaded"] == 1
    assert ("10.20.1.5", port) in net.connects

    # The site-wide setting works the same way, and still never opens the metadata address.
    FeedItem.objects.all().delete()
    Delivery.objects.all().delete()
    (feed_server.routes["/feed"]).body = manifest(dict(entry, path="onprem2.mkv"),
                                                  {"url": "http://169.254.169.254/x.mkv", "path": "m.mkv",
                                                   "size": 3, "sha256": sha(b"abc")})
    Source.objects.filter(pk=source.pk).update(feed_allowed_networks="")
    source.refresh_from_db()
    settings.REELHOUSE_FEED_ALLOWED_NETWORKS = "10.20.0.0/16, 169.254.0.0/16"
    FeedItem.objects.all().delete()
    counts = feed_fetch(source=source, network=net.network())
    assert counts["failed"] == 1 and "a cloud metadata address" in _items()["m.mkv"].reason
    assert _items()["onprem2.mkv"].state == FeedItem.State.DONE


def test_dns_rebinding_cannot_move_the_connection_after_the_check(partner, feed_server):
    """rebind.test answers a public address first and 127.0.0.1 afterwards: the connection goes to the address
    that was checked, and the name is looked up once per request (nothing asks DNS again at connect time)."""
    source, net, _base, port = partner
    net.names["rebind.test"] = [PUBLIC, "127.0.0.1"]
    feed_server.add("/files/rb.mkv", NOT_VIDEO)
    feed_server.add("/feed", manifest({"url": f"https://rebind.test:{port}/files/rb.mkv", "path": "rb.mkv",
                                       "size": len(NOT_VIDEO), "sha256": sha(NOT_VIDEO)}))

    assert feed_fetch(source=source, network=net.network())["downloaded"] == 1

    assert net.lookups.count("rebind.test") == 1 and net.connects == [(PUBLIC, port), (PUBLIC, port)]
    host_headers = [h["Host"] for p, h in feed_server.requests if p == "/files/rb.mkv"]
    assert host_headers == [f"rebind.test:{port}"]


def test_dns_rebinding_towards_loopback_on_the_first_answer_is_refused_before_connecting(partner, feed_server):
    _source, net, base, port = partner
    net.names["rebind.test"] = ["127.0.0.1", PUBLIC]
    policy = outbound.Policy(network=net.network(), ca_file=str(feed_server_ca(feed_server)))
    with pytest.raises(outbound.AddressRefused, match=r"rebind.test resolves to 127.0.0.1, a loopback address"):
        outbound.get(f"https://rebind.test:{port}/feed", feed_url=base + "/feed", policy=policy)
    assert net.connects == []


def feed_server_ca(feed_server):
    from django.conf import settings

    return settings.REELHOUSE_FEED_CA_FILE


def test_a_redirect_to_a_malformed_url_is_refused_for_good(partner, feed_server):
    source, net, base, _port = partner
    feed_server.add("/files/m.mkv", b"", location=base + "/files/\x01bad.mkv")
    feed_server.add("/feed", manifest({"url": base + "/files/m.mkv", "path": "m.mkv", "size": 3,
                                       "sha256": sha(b"abc")}))
    feed_fetch(source=source, network=net.network())
    item = FeedItem.objects.get()
    assert item.state == FeedItem.State.FAILED and "redirect to a malformed URL" in item.reason
    assert item.attempts == 1


def test_redirect_chains_are_cut_at_the_hop_limit(partner, feed_server, settings):
    source, net, base, _port = partner
    settings.REELHOUSE_FEED_MAX_REDIRECTS = 3
    for n in range(10):
        feed_server.add(f"/loop/{n}", b"", location=f"{base}/loop/{n + 1}")
    feed_server.add("/feed", manifest({"url": base + "/loop/0", "path": "l.mkv", "size": 3, "sha256": sha(b"abc")}))

    feed_fetch(source=source, network=net.network())

    item = FeedItem.objects.get()
    assert item.state == FeedItem.State.FAILED and "more than 3 redirects" in item.reason
    assert [p for p, _ in feed_server.requests if p.startswith("/loop/")] == ["/loop/0", "/loop/1", "/loop/2",
                                                                           "/loop/3"]


def test_a_malformed_allowed_network_is_a_recorded_error_not_a_crash(feed_source, feed_server, settings):
    feed_server.add("/feed", manifest())
    Source.objects.filter(pk=feed_source.pk).update(feed_allowed_networks="127.0.0.0/8 intranet")
    feed_source.refresh_from_db()
    assert "the source's allowed networks: 'intranet' is not a network" in feed_fetch(source=feed_source)["error"]
    settings.REELHOUSE_FEED_ALLOWED_NETWORKS = "10.0.0.0/33"
    assert "REELHOUSE_FEED_ALLOWED_NETWORKS: '10.0.0.0/33' is not a network" in feed_fetch(
        source=feed_source)["error"]
    assert feed_server.requests == []
