"""Edge tokens: signed URLs that an nginx edge (deploy/nginx/) checks itself, without calling the app. The one
signer of the format documented in docs/edge.md; deploy/nginx/reelhouse/check.conf is its one verifier.

    stream:   <edge>/edge/s/<kid>/<sig>/<expires>/<session>/<asset>/<package>/<renditions>/<file>
    download: <edge>/edge/d/<kid>/<sig>/<expires>/<download>/<asset>/<package>/<label>.mp4

sig = unpadded base64url(HMAC-SHA256(secret of <kid>, "s/<expires>/<session>/<asset>/<package>/<renditions>"))
(downloads: "d/<expires>/<download>/<asset>/<package>/<label>"). The renditions (comma-separated package folders)
are signed, so a stream can fetch only the rungs its session was given (issue 12), at the edge too.

Keys: REELHOUSE_EDGE_KEYS="<kid>:<secret>,<kid>:<secret>"; the first signs, the edge accepts every key listed in
its keys.conf (the current and the previous one during a rotation). The edge secrets are separate from SECRET_KEY:
an edge holds them, and one leaking lets nobody sign the app's own stream, download or session tokens."""

import base64
import hashlib
import hmac
import re

from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured

from reelhouse.core import clock

_KID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_SECRET = re.compile(r"[A-Za-z0-9_.~+/=-]{32,128}")  # written into nginx's keys.conf inside double quotes
_FOLDER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_URI_ATTR = re.compile(r'URI="([^"]*)"')
PACKAGES = "packages"  # every asset directory is packages/<name> under MEDIA_ROOT (and in the object store)


def edge_keys() -> list[tuple[str, str]]:
    """(kid, secret) pairs from REELHOUSE_EDGE_KEYS, the signing one first; a malformed setting is a clear error."""
    pairs = []
    for item in filter(None, (part.strip() for part in settings.REELHOUSE_EDGE_KEYS.split(","))):
        kid, _, secret = item.partition(":")
        if not _KID.fullmatch(kid) or not _SECRET.fullmatch(secret):
            raise ImproperlyConfigured(
                f"REELHOUSE_EDGE_KEYS: {kid!r} must be 'kid:secret' with a key id of 1-16 letters, digits, '-' or "
                "'_' and a secret of 32-128 characters from A-Z a-z 0-9 . _ ~ + / = - (make one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
        pairs.append((kid, secret))
    if len({kid for kid, _ in pairs}) != len(pairs):
        raise ImproperlyConfigured("REELHOUSE_EDGE_KEYS: each key id may appear once")
    return pairs


def edge_settings_check(app_configs, **kwargs) -> list[Error]:
    """`reelhouse check` (and every start): an edge URL needs a well-formed origin and at least one good key."""
    if not settings.REELHOUSE_EDGE_URL:
        return []
    if not re.fullmatch(r"https?://[^/?#\s]+", settings.REELHOUSE_EDGE_URL):
        return [Error(f"REELHOUSE_EDGE_URL must be an origin such as https://edge.example.com (no path), not "
                      f"{settings.REELHOUSE_EDGE_URL!r}", id="reelhouse.E101")]
    try:
        if edge_keys():
            return []
        problem = "REELHOUSE_EDGE_URL is set but REELHOUSE_EDGE_KEYS holds no key"
    except ImproperlyConfigured as exc:
        problem = str(exc)
    return [Error(problem, hint="See docs/edge.md (keys and rotation).", id="reelhouse.E102")]


def edge_enabled() -> bool:
    """Segments and downloads go through the edge when REELHOUSE_EDGE_URL is set (else Django serves them)."""
    return bool(settings.REELHOUSE_EDGE_URL)


def _signed(kind: str, fields: list[str]) -> str:
    keys = edge_keys()
    if not keys:
        raise ImproperlyConfigured("REELHOUSE_EDGE_URL is set but REELHOUSE_EDGE_KEYS holds no key")
    kid, secret = keys[0]
    message = "/".join([kind, *fields])
    sig = base64.urlsafe_b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest())
    return f"{settings.REELHOUSE_EDGE_URL}/edge/{kind}/{kid}/{sig.decode().rstrip('=')}/{'/'.join(fields)}/"


def _package(directory: str) -> str:
    parent, _, name = directory.partition("/")
    if parent != PACKAGES or not _FOLDER.fullmatch(name):
        raise ValueError(f"an asset directory served by an edge must be {PACKAGES}/<name>, not {directory!r}")
    return name


def edge_stream_prefix(*, session_id: str, asset_id: int, directory: str, renditions, ttl: int | None = None) -> str:
    """The edge URL prefix (ending in '/') under which the session's rendition folders, subtitles and trickplay of
    the asset may be fetched until the token expires. Never the master (the app serves it, filtered) nor download/."""
    folders = [f for f in renditions if _FOLDER.fullmatch(f)]
    if not folders or len(folders) != len(renditions):
        raise ValueError(f"a stream needs rendition folder names, not {renditions!r}")
    expires = int(clock.now().timestamp()) + (ttl or settings.REELHOUSE_STREAM_TOKEN_TTL)
    return _signed("s", [str(expires), session_id, str(asset_id), _package(directory), ",".join(folders)])


def edge_download_url(*, download_id: str, asset_id: int, directory: str, label: str, expires: int) -> str:
    """The edge URL of a download's MP4 (download/<label>.mp4 of the package) until `expires` (a Unix time)."""
    if not label.isdigit():
        raise ValueError(f"a download label is a height such as '720', not {label!r}")
    return _signed("d", [str(expires), download_id, str(asset_id), _package(directory), label]).rstrip("/") + ".mp4"


def edge_master(text: str, prefix: str) -> str:
    """The master playlist with every URI (variant lines and URI="..." attributes) under the edge prefix, so the
    player fetches the renditions from the edge; the caller has already left out what the session may not have."""
    lines = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            line = prefix + line
        elif line.startswith("#"):
            line = _URI_ATTR.sub(lambda m: f'URI="{prefix}{m[1]}"', line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def nginx_keys_conf(keys: list[tuple[str, str]] | None = None) -> str:
    """deploy/nginx/reelhouse/keys.conf for these keys (default: REELHOUSE_EDGE_KEYS): the edge accepts each."""
    entries = "".join(f'    "{kid}" "{secret}";\n' for kid, secret in (edge_keys() if keys is None else keys))
    return ("# Edge signing keys (kid -> secret), written by `reelhouse edge_keys`; keep this file mode 0600.\n"
            'map $edge_kid $edge_secret {\n    default "";\n' + entries + "}\n")
