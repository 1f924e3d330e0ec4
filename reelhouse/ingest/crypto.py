"""Partner-feed tokens at rest: the helper lives in reelhouse.core.crypto (TOTP secrets use it too)."""

from reelhouse.core.crypto import PREFIX, SecretUnreadable, decrypt, encrypt, is_encrypted

__all__ = ["PREFIX", "SecretUnreadable", "decrypt", "encrypt", "is_encrypted"]
