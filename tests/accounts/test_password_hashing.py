"""Argon2 checks run at most REELHOUSE_PASSWORD_CHECKS_AT_ONCE at a time in a process (each holds ~100 MiB)."""

import threading

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password

from reelhouse.accounts import hashers

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


@pytest.mark.parametrize("bound", [1, 3])
def test_parallel_password_checks_wait_for_a_slot(settings, monkeypatch, bound):
    # Production's hasher: tests hash with a faster one (tests/core/test_production.py checks production's).
    settings.PASSWORD_HASHERS = ["reelhouse.accounts.hashers.BoundedArgon2PasswordHasher"]
    settings.REELHOUSE_PASSWORD_CHECKS_AT_ONCE = bound
    encoded = make_password("correct horse battery")
    assert encoded.startswith("argon2$")  # the stored format is Django's own
    running, peak, lock = [0], [0], threading.Lock()
    real_verify = Argon2PasswordHasher.verify

    def counting_verify(self, password, encoded):  # the real Argon2 check, counted while it runs
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            return real_verify(self, password, encoded)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(Argon2PasswordHasher, "verify", counting_verify)
    results = []
    threads = [threading.Thread(target=lambda: results.append(check_password("wrong guess", encoded)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [False] * 8
    assert 1 <= peak[0] <= bound
    assert hashers._slot()._value == bound  # every slot given back
