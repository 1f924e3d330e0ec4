"""Rate limits for everything a guesser or a mail-bomber would repeat: sign-in, the second step, sign-up, mails.

One place for all of them. A rule allows `limit` attempts per key (an account, an address, a client) within a
window. An attempt is counted *before* it is tried, under a row lock (SELECT ... FOR UPDATE on PostgreSQL, an
IMMEDIATE transaction on SQLite), so parallel guesses cannot all slip past the check; a success can give its
attempt back (`refund`) or wipe the key (`clear`). Going over the limit blocks the key for the rule's lockout,
doubled for every block since the last success, so the delay grows.
"""

import datetime as dt
import hashlib
import ipaddress
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F

from reelhouse.core import clock
from reelhouse.core.models import Throttle

MAX_LOCKOUT_S = 24 * 3600


@dataclass(frozen=True)
class Rule:
    name: str
    setting: str  # the REELHOUSE_* setting holding the limit
    window_s: int
    lockout_s: int

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.setting))


SIGNIN_ACCOUNT = Rule("signin-account", "REELHOUSE_SIGNIN_ATTEMPTS", 15 * 60, 15 * 60)
SIGNIN_CLIENT = Rule("signin-client", "REELHOUSE_SIGNIN_ATTEMPTS_PER_CLIENT", 15 * 60, 15 * 60)
SECOND_STEP = Rule("second-step", "REELHOUSE_SECOND_STEP_ATTEMPTS", 15 * 60, 15 * 60)
DEVICE_CODE_ACCOUNT = Rule("device-code-account", "REELHOUSE_DEVICE_CODE_ATTEMPTS", 15 * 60, 15 * 60)
DEVICE_CODE_CLIENT = Rule("device-code-client", "REELHOUSE_DEVICE_CODE_ATTEMPTS_PER_CLIENT", 15 * 60, 15 * 60)
PROFILE_PIN = Rule("profile-pin", "REELHOUSE_PIN_ATTEMPTS", 15 * 60, 15 * 60)  # a profile's PIN, the owner step
MAIL_ADDRESS = Rule("mail-address", "REELHOUSE_MAILS_PER_ADDRESS", 3600, 3600)  # sign-up, reset, verify again
MAIL_CLIENT = Rule("mail-client", "REELHOUSE_MAILS_PER_CLIENT", 3600, 3600)
NOTICE_CLIENT = Rule("notice-client", "REELHOUSE_NOTICES_PER_CLIENT", 3600, 3600)  # the public notice form
SUPPORT_CLIENT = Rule("support-client", "REELHOUSE_SUPPORT_REQUESTS_PER_CLIENT", 3600, 3600)  # support requests


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: int = 0  # when refused: seconds until the key opens again
    remaining: int = 0  # when allowed: attempts left in this window after this one

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_s / 60))


def client_address(request) -> str:
    """The address the request came from: REMOTE_ADDR, or behind REELHOUSE_TRUSTED_PROXY_COUNT proxies the entry
    that many places from the right of X-Forwarded-For (the ones our proxies appended; what a client writes itself
    is further left and never trusted). IPv6 clients count per /64, the block one subscriber line gets."""
    address = request.META.get("REMOTE_ADDR", "")
    if (proxies := settings.REELHOUSE_TRUSTED_PROXY_COUNT) > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _key(rule: Rule, identity: str) -> str:
    return f"{rule.name}:" + hashlib.sha256(identity.strip().lower().encode()).hexdigest()[:40]


def _row(rule: Rule, identity: str, now: dt.datetime) -> Throttle:
    """The key's row, locked for this transaction (created first if need be; a racing creator is fine)."""
    key = _key(rule, identity)
    Throttle.objects.get_or_create(key=key, defaults={"window_ends_at": now + dt.timedelta(seconds=rule.window_s)})
    return Throttle.objects.select_for_update().get(key=key)


def attempt(rule: Rule, identity: str) -> Verdict:
    """Count one attempt; refused when the key is blocked or this attempt goes over the limit (which blocks it)."""
    now = clock.now()
    with transaction.atomic():
        row = _row(rule, identity, now)
        if row.blocked_until and row.blocked_until > now:
            return Verdict(False, math.ceil((row.blocked_until - now).total_seconds()))
        if row.window_ends_at <= now:
            row.count, row.window_ends_at = 0, now + dt.timedelta(seconds=rule.window_s)
        row.count += 1
        if row.count > rule.limit:
            wait = min(rule.lockout_s * 2 ** row.strikes, MAX_LOCKOUT_S)
            row.count, row.strikes = 0, row.strikes + 1
            row.blocked_until = now + dt.timedelta(seconds=wait)
            row.window_ends_at = row.blocked_until + dt.timedelta(seconds=rule.window_s)
            row.save()
            return Verdict(False, wait)
        row.save()
        return Verdict(True, remaining=rule.limit - row.count)


def attempt_all(*checks: tuple[Rule, str]) -> Verdict:
    """Count an attempt against every (rule, identity); all or nothing: a refusal gives the others theirs back."""
    counted = []
    for rule, identity in checks:
        verdict = attempt(rule, identity)
        if not verdict.allowed:
            for done in counted:
                refund(*done)
            return verdict
        counted.append((rule, identity))
    return Verdict(True, remaining=min((rule.limit for rule, _ in checks), default=0))


def refund(rule: Rule, identity: str) -> None:
    """Give back an attempt that succeeded (a shared address should not fill up with its good sign-ins)."""
    Throttle.objects.filter(key=_key(rule, identity), count__gt=0).update(count=F("count") - 1)


def clear(rule: Rule, identity: str) -> None:
    """A success that proves the person: their key starts over, lockouts and growing delay included."""
    Throttle.objects.filter(key=_key(rule, identity)).delete()


def blocked(rule: Rule, identity: str) -> Verdict:
    """Whether the key is blocked now, without counting anything."""
    now = clock.now()
    row = Throttle.objects.filter(key=_key(rule, identity), blocked_until__gt=now).first()
    return Verdict(True) if row is None else Verdict(False, math.ceil((row.blocked_until - now).total_seconds()))


def throttles_purge() -> int:
    """Forget keys whose window and block are both over (the periodic clean-up); returns how many went."""
    now = clock.now()
    deleted, _ = (Throttle.objects.filter(window_ends_at__lte=now)
                  .exclude(blocked_until__gt=now).delete())
    return deleted


def mail_attempt(request, address: str) -> Verdict:
    """Count a request that sends mail to `address` (sign-up, password reset, verification again), per address and
    per client, so nobody floods an inbox or walks a list of addresses."""
    return attempt_all((MAIL_CLIENT, client_address(request)), (MAIL_ADDRESS, address))
