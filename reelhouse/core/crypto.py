"""Secrets kept encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256): partner-feed tokens, TOTP secrets.

The key is `REELHOUSE_FIELD_KEY` (a Fernet key, `Fernet.generate_key()`), or else one derived from the
SECRET_KEY. Values encrypted under the derived key stay readable after a FIELD_KEY is set (both are tried), so
setting one later needs no migration; a rotated SECRET_KEY without a FIELD_KEY makes stored tokens unreadable,
which the feed reports as such ("enter the token again") rather than sending garbage to the partner.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc:v1:"


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with the configured keys."""


def _derived_key() -> bytes:
    # The salt keeps its first name (this module began in ingest): values already stored stay readable.
    digest = hashlib.sha256(b"reelhouse.ingest.field-key\x00" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    keys = [k for k in (getattr(settings, "REELHOUSE_FIELD_KEY", ""),) if k]
    try:
        return MultiFernet([Fernet(k) for k in keys] + [Fernet(_derived_key())])
    except ValueError as exc:
        raise ImproperlyConfigured("REELHOUSE_FIELD_KEY must be a Fernet key: 32 url-safe base64-encoded bytes "
                                   "(make one with `python -c 'from cryptography.fernet import Fernet; "
                                   "print(Fernet.generate_key().decode())'`)") from exc


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(value: str) -> str:
    """The stored form of a secret ('' stays ''); already encrypted values are left as they are."""
    if not value or is_encrypted(value):
        return value
    return PREFIX + _fernet().encrypt(value.encode()).decode("ascii")


def decrypt(stored: str) -> str:
    """The secret itself, from its stored form (a value stored before encryption existed is returned as is)."""
    if not stored or not is_encrypted(stored):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX):].encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("the stored secret cannot be decrypted with this server's key (was "
                               "REELHOUSE_SECRET_KEY or REELHOUSE_FIELD_KEY changed?); enter the token again in the "
                               "source's admin page, or set two-step sign-in up again") from exc
