"""Two-factor sign-in: TOTP (RFC 6238, via pyotp) with one-time recovery codes, and the sign-in lockout."""

import secrets

import pyotp
import segno
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from reelhouse.accounts.models import RecoveryCode, User
from reelhouse.core import clock
from reelhouse.core.services import audit_record

ISSUER = "Reelhouse"
RECOVERY_CODES = 10
SESSION_VERIFIED = "reelhouse_2fa_verified"
LOGIN_FAILURES_ALLOWED = 5
LOGIN_LOCKOUT_S = 15 * 60


class TwoFactorError(Exception):
    """A code or a setup step was refused; the message says why."""


def staff_require_2fa() -> bool:
    return getattr(settings, "REELHOUSE_STAFF_REQUIRE_2FA", True)


def totp_begin(*, user: User) -> tuple[str, str]:
    """Start (or restart) setup: a new secret, not active until confirmed. Returns (secret, QR code as SVG)."""
    if user.totp_enabled_at:
        raise TwoFactorError(_("Two-step sign-in is already on. Turn it off first to use another app."))
    user.totp_secret = pyotp.random_base32()
    user.save(update_fields=["totp_secret"])
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return user.totp_secret, segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def _accept_totp(user: User, code: str) -> bool:
    """True when code is the current (or adjacent) step and newer than the last accepted one: no replays."""
    totp = pyotp.TOTP(user.totp_secret)
    now = clock.now()
    for drift in (-1, 0, 1):
        step = totp.timecode(now) + drift
        if step > user.totp_last_step and secrets.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            user.save(update_fields=["totp_last_step"])
            return True
    return False


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> list[str]:
    """Turn two-step sign-in on with a first code from the app; returns the recovery codes (shown once)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.totp_secret:
        raise TwoFactorError(_("Start the setup again: no authenticator app is waiting to be confirmed."))
    if not _accept_totp(user, code.strip().replace(" ", "")):
        raise TwoFactorError(_("That code is not right. Check the time on your phone and enter the newest code."))
    user.totp_enabled_at = clock.now()
    user.save(update_fields=["totp_enabled_at"])
    codes = recovery_codes_renew(user=user)
    audit_record(action="user.2fa_enabled", subject=user)
    return codes


def recovery_codes_renew(*, user: User) -> list[str]:
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=make_password(c)) for c in codes)
    return codes


@transaction.atomic
def second_factor_check(*, user: User, code: str) -> bool:
    """A current TOTP code, or an unused recovery code (which is then spent)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    code = code.strip().lower().replace(" ", "")
    if code.isdigit() and len(code) == 6:
        return _accept_totp(user, code)
    for recovery in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        if check_password(code, recovery.code_hash):
            recovery.used_at = clock.now()
            recovery.save(update_fields=["used_at"])
            audit_record(action="user.recovery_code_used", subject=user)
            return True
    return False


def totp_disable(*, user: User, password: str) -> None:
    if not user.check_password(password):
        raise TwoFactorError(_("That password is not right."))
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = "", None, 0
    user.save(update_fields=["totp_secret", "totp_enabled_at", "totp_last_step"])
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(action="user.2fa_disabled", subject=user)


def _failure_key(email: str) -> str:
    return f"login-failures:{email.strip().lower()}"


def login_locked_out(email: str) -> bool:
    return cache.get(_failure_key(email), 0) >= LOGIN_FAILURES_ALLOWED


def login_failed(email: str) -> None:
    key = _failure_key(email)
    cache.add(key, 0, LOGIN_LOCKOUT_S)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, LOGIN_LOCKOUT_S)


def login_succeeded(email: str) -> None:
    cache.delete(_failure_key(email))
