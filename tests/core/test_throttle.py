"""The one rate-limit helper: counted before the attempt, a growing lockout, refunds, and the clean-up."""

import datetime as dt

import pytest

from reelhouse.core import clock, throttle
from reelhouse.core.models import Throttle

pytestmark = pytest.mark.django_db
RULE = throttle.Rule("test", "REELHOUSE_SECOND_STEP_ATTEMPTS", window_s=600, lockout_s=900)


def test_limit_then_a_lockout_that_doubles_and_a_success_that_clears(settings):
    settings.REELHOUSE_SECOND_STEP_ATTEMPTS = 3
    assert [throttle.attempt(RULE, "a").allowed for _ in range(4)] == [True, True, True, False]
    assert throttle.blocked(RULE, "a").retry_after_s == 900
    assert throttle.attempt(RULE, "b").allowed  # another key is not affected
    clock.advance(dt.timedelta(seconds=901))
    assert [throttle.attempt(RULE, "a").allowed for _ in range(4)] == [True, True, True, False]
    assert throttle.blocked(RULE, "a").retry_after_s == 1800  # the second block lasts twice as long
    throttle.clear(RULE, "a")
    assert throttle.attempt(RULE, "a").remaining == 2


def test_refunds_and_the_purge(settings):
    settings.REELHOUSE_SECOND_STEP_ATTEMPTS = 2
    for _ in range(5):
        assert throttle.attempt(RULE, "shared office").allowed
        throttle.refund(RULE, "shared office")  # good sign-ins do not fill a shared address up
    assert Throttle.objects.get().count == 0
    assert not throttle.attempt_all((RULE, "x"), (RULE, "x"), (RULE, "x")).allowed  # the third goes over
    assert not throttle.blocked(RULE, "x").allowed
    clock.advance(dt.timedelta(hours=2))
    assert throttle.throttles_purge() == 2 and not Throttle.objects.exists()
