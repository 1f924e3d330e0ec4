"""Argon2 with a bound on how many hashes run at once in this process: each one holds ~100 MiB (Django's
memory_cost), so a burst of sign-ins would otherwise take as much memory as it has requests in flight."""

import threading

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None
_slots_size = 0


def _slot():
    """The process-wide semaphore sized by REELHOUSE_PASSWORD_CHECKS_AT_ONCE (0: no bound, returns None)."""
    global _slots, _slots_size
    size = settings.REELHOUSE_PASSWORD_CHECKS_AT_ONCE
    if size <= 0:
        return None
    with _lock:
        if _slots is None or _slots_size != size:
            _slots, _slots_size = threading.BoundedSemaphore(size), size
        return _slots


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2 hasher (same 'argon2' algorithm name, so stored hashes are unchanged), queued."""

    def encode(self, password, salt):
        if (slots := _slot()) is None:
            return super().encode(password, salt)
        with slots:
            return super().encode(password, salt)

    def verify(self, password, encoded):
        if (slots := _slot()) is None:
            return super().verify(password, encoded)
        with slots:
            return super().verify(password, encoded)
