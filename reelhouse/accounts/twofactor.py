"""Two-factor sign-in: TOTP (RFC 6238, via pyotp) with one-time recovery codes, operators' enrolment links, and
which sessions count as having passed the second step."""

import datetime as dt
import secrets

import pyotp
import segno
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.utils.translation import gettext as _

from reelhouse.accounts.models import RecoveryCode, User
from reelhouse.core import clock, crypto, throttle
from reelhouse.core.audit import audit_record

ISSUER = "Reelhouse"
RECOVERY_CODES = 10
SESSION_VERIFIED = "reelhouse_2fa_verified"  # {"user": pk, "at": ISO time} once the second step passed
SESSION_SIGNED_IN_AT = "reelhouse_signed_in_at"  # when the password step of this session passed (ISO time)


class TwoFactorError(Exception):
    """A code or a setup step was refused; the message says why."""


def staff_require_2fa() -> bool:
    return getattr(settings, "REELHOUSE_STAFF_REQUIRE_2FA", True)


def is_operator(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def totp_secret(user: User) -> str:
    """The TOTP secret in clear (stored encrypted)."""
    return crypto.decrypt(user.totp_secret)


def totp_begin(*, user: User) -> tuple[str, str]:
    """Start (or restart) setup: a new secret, not active until confirmed. Returns (secret, QR code as SVG)."""
    if user.totp_enabled_at:
        raise TwoFactorError(_("Two-step sign-in is already on. Turn it off first to use another app."))
    secret = pyotp.random_base32()
    user.totp_secret = crypto.encrypt(secret)
    user.save(update_fields=["totp_secret"])
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return secret, segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def _accept_totp(user: User, code: str) -> bool:
    """True when code is the current (or adjacent) step and newer than the last accepted one: no replays."""
    totp = pyotp.TOTP(totp_secret(user))
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
    """A current TOTP code, or an unused recovery code (which is then spent). Callers count the attempt first
    (core/throttle.py SECOND_STEP): this function does not limit guesses by itself."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.totp_enabled_at:
        return False
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


def totp_disable(*, user: User, code: str) -> None:
    """Turn two-step sign-in off: only with a current code or a recovery code, never the password alone (a stolen
    password must not be enough to swap in the thief's authenticator). Operators cannot turn it off while it is
    required; they set up a new app with `totp_reset`."""
    if is_operator(user) and staff_require_2fa():
        raise TwoFactorError(_("Operator accounts must keep two-step sign-in. To move it to another app, use "
                               "“Set up a new app” with a code from the current one."))
    _second_factor_required(user, code)
    _turn_off(user)
    audit_record(action="user.2fa_disabled", subject=user)


def totp_reset(*, user: User, code: str) -> tuple[str, str]:
    """Move two-step sign-in to another app: a current code (or recovery code) first, then a new secret to confirm.
    Returns (secret, QR code as SVG) like totp_begin."""
    _second_factor_required(user, code)
    _turn_off(user)
    audit_record(action="user.2fa_reset", subject=user)
    return totp_begin(user=user)


def _second_factor_required(user: User, code: str) -> None:
    verdict = throttle.attempt(throttle.SECOND_STEP, str(user.pk))
    if not verdict.allowed:
        raise TwoFactorError(_("Too many wrong codes. Try again in %(minutes)d minutes.")
                             % {"minutes": verdict.retry_after_minutes})
    if not code.strip() or not second_factor_check(user=user, code=code):
        raise TwoFactorError(_("Enter a current code from your authenticator app, or one of your recovery codes."))
    throttle.clear(throttle.SECOND_STEP, str(user.pk))


def _turn_off(user: User) -> None:
    user.refresh_from_db()
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = "", None, 0
    user.save(update_fields=["totp_secret", "totp_enabled_at", "totp_last_step"])
    RecoveryCode.objects.filter(user=user).delete()


# Sessions ---------------------------------------------------------------------------------------------------------

def session_mark_verified(request, user: User) -> None:
    request.session[SESSION_VERIFIED] = {"user": user.pk, "at": clock.now().isoformat()}


def session_verified(request) -> bool:
    """This session passed the second step, as this very user."""
    mark = request.session.get(SESSION_VERIFIED)
    return isinstance(mark, dict) and mark.get("user") == request.user.pk


def staff_session_expired(request) -> bool:
    """An operator's session lasts REELHOUSE_STAFF_SESSION_SECONDS from its sign-in, however busy."""
    started = request.session.get(SESSION_SIGNED_IN_AT)
    if not started:
        return True
    age = clock.now() - dt.datetime.fromisoformat(started)
    return age.total_seconds() > settings.REELHOUSE_STAFF_SESSION_SECONDS


def on_signed_in(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: note when the session began; an operator's cookie dies with the session."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_SIGNED_IN_AT] = clock.now().isoformat()
    if is_operator(user):
        request.session.set_expiry(settings.REELHOUSE_STAFF_SESSION_SECONDS)


# Operators' enrolment ---------------------------------------------------------------------------------------------

class EnrolmentTokens(PasswordResetTokenGenerator):
    """One-time enrolment links (Django's password-reset token scheme with its own salt): a link stops working
    once it was used to start a setup, once two-step sign-in is on, or when the password changes; it lives
    PASSWORD_RESET_TIMEOUT (3 days)."""

    key_salt = "reelhouse.accounts.twofactor.EnrolmentTokens"

    def _make_hash_value(self, user, timestamp):
        enabled = "" if user.totp_enabled_at is None else user.totp_enabled_at.isoformat()
        return f"{user.pk}{user.password}{user.totp_secret}{enabled}{timestamp}"


enrolment_tokens = EnrolmentTokens()


def enrolment_link(*, user: User, base_url: str) -> str:
    """The one-time link with which an operator sets up two-step sign-in (printed by `reelhouse staff_enrol`)."""
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    if user.totp_enabled_at:
        raise TwoFactorError(_("Two-step sign-in is already on for %(email)s.") % {"email": user.email})
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("accounts:enrol", args=[uid, enrolment_tokens.make_token(user)])
    audit_record(action="user.2fa_enrolment_link", subject=user)
    return base_url.rstrip("/") + path


def enrolment_user(uidb64: str, token: str) -> User | None:
    """The operator an enrolment link belongs to, or None for a forged, used or expired link."""
    from django.utils.http import urlsafe_base64_decode

    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()), is_active=True)
    except (ValueError, User.DoesNotExist, UnicodeDecodeError):
        return None
    return user if not user.totp_enabled_at and enrolment_tokens.check_token(user, token) else None
