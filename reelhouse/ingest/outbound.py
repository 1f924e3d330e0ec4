"""Outbound HTTP to partner feeds, in one place: which addresses may be reached, which requests carry the
licensor's token, and how redirects are followed.

* Every host (the feed, each entry, each redirect hop) is resolved once; every address it resolves to must be
  globally routable (loopback, link-local, private, shared, multicast, reserved, unspecified and IPv4-mapped or
  -embedded forms of those are refused, cloud metadata addresses always), unless it lies in a network an operator
  allowed for an on-premises partner. The connection is then made to that validated address (the Host header and
  TLS SNI/certificate check still use the name), so a DNS answer that changes between check and connect
  (rebinding) cannot redirect it.
* Redirects are followed here, hop by hop, each re-checked, at most `max_redirects`.
* The token header goes only to the feed's own origin (scheme, host, port) or an origin the operator listed, and
  never over plain http: a request that would have to send it in clear is refused instead.

Errors are `OutboundError` subclasses whose message names the URL, what was refused and what to do.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Refused even inside an allowed network: instance metadata services (AWS/GCP/Azure/OpenStack, AWS IPv6, Alibaba,
# Oracle) hand out the server's own credentials.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192"))
_REDIRECT_CODES = (301, 302, 303, 307, 308)


class OutboundError(Exception):
    """A request to a partner was refused or failed; `final` is False when trying again later may succeed."""

    final = True


class AddressRefused(OutboundError):
    """The host resolves to an address partner feeds may not reach."""


class TokenRefused(OutboundError):
    """The request would have had to send the licensor's token where it must not go (plain http)."""


class TooManyRedirects(OutboundError):
    """A redirect chain longer than the limit."""


class RedirectRefused(OutboundError):
    """A redirect that leaves http(s) or points at a malformed URL."""


class HttpStatus(OutboundError):
    """The server answered with an error status."""

    def __init__(self, message: str, *, code: int, reason: str):
        super().__init__(message)
        self.code, self.reason = code, reason
        self.final = code in (400, 401, 403, 404, 405, 410, 451)


class PolicyError(Exception):
    """The source's outbound settings cannot be used (a malformed allowed network)."""


class Unreachable(OutboundError):
    """Name lookup, connection or transfer failed (may work later)."""

    final = False


# ---------------------------------------------------------------------------------------------------- addresses


def parse_networks(text: str | Iterable[str]) -> tuple[IPNetwork, ...]:
    """'10.20.0.0/16, fd12::/48' (commas, spaces or new lines) -> networks; ValueError naming a bad one."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{item!r} is not a network (write it like 10.20.0.0/16 or fd12:3456::/48)") from exc
    return tuple(networks)


def _category(ip: IPAddress) -> str:
    """Why an address is not one partner feeds may reach by default ('' when it is globally routable)."""
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "not a globally routable address"
    return ""


def _embedded_v4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, 6to4, Teredo, NAT64 64:ff9b::/96)."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress, *, allowed: tuple[IPNetwork, ...] = ()) -> str:
    """'' when `ip` may be connected to, else what it is (e.g. 'a loopback address')."""
    inner = _embedded_v4(ip)
    for candidate in (ip, inner) if inner is not None else (ip,):
        if candidate in METADATA_ADDRESSES:
            return "a cloud metadata address"
    if any(ip.version == net.version and ip in net for net in allowed):
        return ""
    if inner is not None:
        if any(net.version == 4 and inner in net for net in allowed):
            return ""
        if problem := _category(inner):
            return f"{problem} ({inner}, inside the IPv6 address)"
    return _category(ip)


# ---------------------------------------------------------------------------------------------------- network


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (the default `Network.resolve`)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def system_connect(address: tuple[str, int], timeout: float) -> socket.socket:
    """A TCP connection to exactly this address (the default `Network.connect`)."""
    return socket.create_connection(address, timeout)


@dataclass
class Network:
    """How names are resolved and sockets opened; tests replace these to play DNS without a network."""

    resolve: Callable[[str, int], list[str]] = system_resolve
    connect: Callable[[tuple[str, int], float], socket.socket] = system_connect


@dataclass
class Policy:
    """What one source's requests may reach and where its token may go."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    token_origins: frozenset[str] = frozenset()  # 'https://host:port' besides the feed's own origin
    token_header: str = ""
    token: str = ""
    timeout: float = 30.0
    max_redirects: int = 5
    ca_file: str = ""  # extra CA certificates (an on-premises partner's own CA); the system store is always used
    network: Network = field(default_factory=Network)

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context


def origin(url: str) -> str:
    """'scheme://host:port' with the default port spelled out, lower-case: what 'same origin' compares."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme, 0)
    except ValueError:  # a port that is not a number: an origin of its own, equal to nothing valid
        return url.lower()
    host = (parts.hostname or "").lower()
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def validated_address(url: str, policy: Policy) -> tuple[str, int]:
    """Resolve the URL's host once and return the (address, port) to connect to, or raise AddressRefused
    (any refused address refuses the host: a name that also points inside is not a partner's server)."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise AddressRefused(f"{url}: no host name")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise AddressRefused(f"{url}: bad port ({exc})") from exc
    try:
        literal = ipaddress.ip_address(host.split("%", 1)[0])
        addresses = [str(literal)]
    except ValueError:
        try:
            addresses = policy.network.resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise Unreachable(f"{url}: could not resolve {host} ({exc})") from exc
    if not addresses:
        raise Unreachable(f"{url}: {host} has no address")
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError as exc:
            raise AddressRefused(f"{url}: {host} resolved to {address!r}, not an IP address") from exc
        if problem := address_problem(ip, allowed=policy.allowed_networks):
            where = host if str(ip) == host else f"{host} resolves to {ip}"
            raise AddressRefused(
                f"{url}: {where}, {problem}; partner feeds may only reach public addresses. For an on-premises "
                f"partner, add its network to the source's allowed networks (e.g. 10.20.0.0/16)")
    return addresses[0], port


def source_policy(source, *, network: Network | None = None) -> Policy:
    """The outbound policy of one partner feed: its allowed networks (plus the site-wide ones), the origins its
    token may go to, its token (decrypted; raises crypto.SecretUnreadable), limits from settings."""
    from reelhouse.ingest import conf, crypto

    try:
        allowed = parse_networks(conf.feed_allowed_networks())
    except ValueError as exc:
        raise PolicyError(f"REELHOUSE_FEED_ALLOWED_NETWORKS: {exc}") from exc
    try:
        allowed += parse_networks(source.feed_allowed_networks)
    except ValueError as exc:
        raise PolicyError(f"the source's allowed networks: {exc}") from exc
    return Policy(
        allowed_networks=allowed,
        token_origins=frozenset(origin(o) for o in source.feed_token_origins.split()),
        token_header=source.feed_auth_header, token=crypto.decrypt(source.feed_token) if source.feed_token else "",
        timeout=conf.feed_timeout(), max_redirects=conf.feed_max_redirects(), ca_file=conf.feed_ca_file(),
        network=network or Network())


# ---------------------------------------------------------------------------------------------------- requests


class _Pinned:
    """Makes an http.client connection open its socket to the validated address, whatever DNS says now; the
    Host header and TLS server name stay the URL's host name."""

    def __init__(self, address: tuple[str, int], network: Network):
        self.address, self.network = address, network

    def __call__(self, _address, timeout=None, source_address=None):
        return self.network.connect(self.address, timeout)


@dataclass
class Response:
    """An open response and the URL it finally came from; read with `read(n)`, close with `close()`."""

    url: str
    status: int
    headers: http.client.HTTPMessage
    raw: http.client.HTTPResponse
    connection: http.client.HTTPConnection
    hops: list[str] = field(default_factory=list)

    def read(self, n: int) -> bytes:
        return self.raw.read(n)

    def close(self) -> None:
        self.raw.close()
        self.connection.close()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def token_allowed(url: str, *, feed_url: str, policy: Policy) -> bool:
    """Whether a request to `url` carries the token: same origin as the feed, or an origin the operator listed.
    Raises TokenRefused when that origin is plain http (the token is never sent in clear)."""
    if not (policy.token and policy.token_header):
        return False
    target = origin(url)
    if target != origin(feed_url) and target not in policy.token_origins:
        return False
    if urlsplit(url).scheme.lower() != "https":
        raise TokenRefused(f"{url}: the licensor's token is never sent over plain http, so nothing was requested; "
                           f"use the partner's https:// URL")
    return True


def get(url: str, *, feed_url: str, policy: Policy, headers: dict[str, str] | None = None) -> Response:
    """GET `url`, following redirects hop by hop (each host re-checked, the token re-decided), and return the
    final 2xx response. Raises an OutboundError subclass."""
    hops: list[str] = []
    current = url
    for _ in range(policy.max_redirects + 1):
        if urlsplit(current).scheme.lower() not in ("http", "https"):
            raise RedirectRefused(f"{hops[-1] if hops else url}: redirect to non-http(s) URL {current!r} refused")
        current = current.replace(" ", "%20")  # what browsers do with a careless Location
        if re.search(r"[\x00-\x1f\x7f]", current) or len(current) > 2000:
            raise RedirectRefused(f"{hops[-1] if hops else url}: redirect to a malformed URL {current[:200]!r} "
                                  f"(control characters or over 2000 characters) refused")
        response = _request(current, feed_url=feed_url, policy=policy, headers=headers or {})
        if response.status in _REDIRECT_CODES and (location := response.headers.get("Location")):
            response.close()
            hops.append(current)
            current = urljoin(current, location.strip())
            continue
        response.hops = hops
        if response.status >= 400 or response.status in _REDIRECT_CODES:
            response.close()
            raise HttpStatus(f"{current}: HTTP {response.status} {response.raw.reason}", code=response.status,
                             reason=response.raw.reason)
        return response
    raise TooManyRedirects(f"{url}: more than {policy.max_redirects} redirects (last: {current}); refused")


def _request(url: str, *, feed_url: str, policy: Policy, headers: dict[str, str]) -> Response:
    parts = urlsplit(url)
    send = {"User-Agent": "Reelhouse-ingest", "Accept-Encoding": "identity"}
    send |= {k: v for k, v in headers.items() if k.lower() != (policy.token_header or "").lower()}
    if token_allowed(url, feed_url=feed_url, policy=policy):
        send[policy.token_header] = policy.token
    address = validated_address(url, policy)
    host = parts.hostname or ""
    if parts.scheme.lower() == "https":
        connection = http.client.HTTPSConnection(host, address[1], timeout=policy.timeout,
                                                 context=policy.ssl_context())
    else:
        connection = http.client.HTTPConnection(host, address[1], timeout=policy.timeout)
    connection._create_connection = _Pinned(address, policy.network)  # the one hook http.client offers
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("GET", path, headers=send)
        raw = connection.getresponse()
    except TimeoutError as exc:
        connection.close()
        raise Unreachable(f"{url}: timed out after {policy.timeout:g} s") from exc
    except ssl.SSLError as exc:
        connection.close()
        raise Unreachable(f"{url}: TLS failed ({exc.reason or exc}); check the partner's certificate") from exc
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        raise Unreachable(f"{url}: could not connect ({exc})") from exc
    return Response(url=url, status=raw.status, headers=raw.headers, raw=raw, connection=connection)
