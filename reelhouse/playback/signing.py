"""Signed, expiring stream URLs. The token sits in the path so that relative URIs inside playlists inherit
it and one token covers a whole asset: /stream/<sig>/<expires>/<session>/<asset>/<file>."""

import base64
import hashlib
import hmac
import re

from django.conf import settings

from reelhouse.core import clock

# A signature is 18 bytes of HMAC in unpadded URL-safe base64: exactly 24 characters of that alphabet. Anything
# else (non-ASCII, another length, padding, other characters) is refused before any comparison, so a malformed token
# is a plain "no", never an error.
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{24}")


def _well_formed(sig: str, expires) -> bool:
    return isinstance(sig, str) and _SIGNATURE.fullmatch(sig) is not None and isinstance(expires, int)


def _signature(purpose: bytes, message: str) -> str:
    # 18 bytes of HMAC-SHA256 under a key of its own per purpose (derived from SECRET_KEY), unpadded URL-safe base64
    key = hashlib.sha256(purpose + b":" + settings.SECRET_KEY.encode()).digest()
    mac = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode().rstrip("=")


def stream_signature(*, expires: int, session_id: str, asset_id: int) -> str:
    return _signature(b"reelhouse.stream", f"{expires}/{session_id}/{asset_id}")


def stream_prefix(*, session_id: str, asset_id: int, ttl: int | None = None) -> str:
    """The URL prefix (ending in '/') under which an asset's files may be fetched until the token expires."""
    expires = int(clock.now().timestamp()) + (ttl or settings.REELHOUSE_STREAM_TOKEN_TTL)
    sig = stream_signature(expires=expires, session_id=session_id, asset_id=asset_id)
    return f"/stream/{sig}/{expires}/{session_id}/{asset_id}/"


def stream_token_valid(*, sig: str, expires: int, session_id: str, asset_id: int) -> bool:
    if not _well_formed(sig, expires) or expires < clock.now().timestamp():
        return False
    expected = stream_signature(expires=expires, session_id=session_id, asset_id=asset_id)
    return hmac.compare_digest(expected, sig)


# Downloads: /download/<sig>/<expires>/<download-id>/<label>.mp4, a different key so a stream token never
# opens a download and the other way round.
def download_signature(*, expires: int, download_id: str, label: str) -> str:
    return _signature(b"reelhouse.download", f"{expires}/{download_id}/{label}")


def download_path(*, download_id: str, label: str, expires: int) -> str:
    sig = download_signature(expires=expires, download_id=download_id, label=label)
    return f"/download/{sig}/{expires}/{download_id}/{label}.mp4"


def download_token_valid(*, sig: str, expires: int, download_id: str, label: str) -> bool:
    if not _well_formed(sig, expires) or expires < clock.now().timestamp():
        return False
    return hmac.compare_digest(download_signature(expires=expires, download_id=download_id, label=label), sig)


# A playback session's key: /watch/session/<session>/<key>/heartbeat (and /leave). Given only in the start answer,
# it lets the page that started the session keep it alive and leave it without the cookie's session, user and profile
# reads (every viewer heartbeats every 30 s: they are most of a peak's requests to the app). It is bound to the
# account's password hash, so a password change (which signs every other browser out) stops it opening the session
# at once; signing out (in this browser, or everywhere) ends the session itself. A key of its own, so neither a
# stream nor a download token is ever a session key.
def session_key(*, session_id: str, user) -> str:
    return _signature(b"reelhouse.playback-session", f"{session_id}/{user.password}")


def session_key_valid(*, key, session_id: str, user) -> bool:
    if not isinstance(key, str) or _SIGNATURE.fullmatch(key) is None:
        return False
    return hmac.compare_digest(session_key(session_id=session_id, user=user), key)
