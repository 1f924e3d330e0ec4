"""Guessing the second step with parallel requests on PostgreSQL: no more codes are tried than the limit allows
(was: each request read the failure count, then tried its code, so a burst all got through the check)."""

import datetime as dt
import os
import threading

import pyotp
import pytest
from django.db import connection
from django.test import Client

from reelhouse.accounts import twofactor
from reelhouse.accounts.services import user_create
from reelhouse.core import clock
from reelhouse.core.models import Throttle

IS_PG = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not IS_PG, reason="row-lock races need PostgreSQL: set DATABASE_URL")]
PASSWORD = "correct horse battery"
PARALLEL = 16


def test_parallel_code_guesses_never_exceed_the_limit(settings):
    assert connection.vendor == "postgresql"
    settings.REELHOUSE_STAFF_REQUIRE_2FA = True
    operator = user_create(email="op@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    secret, _svg = twofactor.totp_begin(user=operator)
    twofactor.totp_confirm(user=operator, code=pyotp.TOTP(secret).at(clock.now()))
    clock.advance(dt.timedelta(seconds=31))
    client = Client()
    assert client.post("/accounts/login/", {"username": operator.email, "password": PASSWORD}).status_code == 302
    cookie = client.cookies["sessionid"].value

    start, statuses = threading.Barrier(PARALLEL), []

    def guess():
        try:
            attacker = Client()
            attacker.cookies["sessionid"] = cookie  # the same pending sign-in, from many connections at once
            start.wait()
            response = attacker.post("/accounts/login/code/", {"code": "000000"})
            statuses.append((response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == PARALLEL
    # Checked (and wrong): "That code is not right" (or "...not right either" for the last allowed try). Refused
    # unread: "Too many wrong codes", or a redirect to the password once another request dropped the pending sign-in.
    checked = [s for s, body in statuses if b"code is not right" in body]
    assert 0 < len(checked) <= settings.REELHOUSE_SECOND_STEP_ATTEMPTS
    assert Throttle.objects.filter(key__startswith="second-step:").count() == 1
