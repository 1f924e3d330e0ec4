"""TV sign-in with a code: the OAuth 2.0 device authorization grant (RFC 8628), and the devices it signs in.

A TV asks for a code (device_authorization_request); the person types the short user code at /activate on a
phone, picks a profile and approves (device_authorization_decide); the TV polls (device_token_poll) and, once
approved, gets its sign-in exactly once: a browser session for the web TV page, a bearer token scoped to the
profile for other clients. Device codes, user codes and tokens are stored as SHA-256 digests only (they are long
random or short-lived, so a fast hash is enough and lets us look them up). Revoking a device ends its session and
its token together."""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction

from reelhouse.accounts.models import Device, DeviceAuthorization, Profile, User
from reelhouse.core import clock
from reelhouse.core.audit import audit_record

# RFC 8628 §6.1: no vowels (no words), no look-alikes; 8 characters of 20 give ~34 bits, enough for a code that
# lives 10 minutes behind a rate limit.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8
SLOW_DOWN_STEP_S = 5  # RFC 8628 §3.5: each slow_down adds 5 seconds to the interval
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
TOKEN_PREFIX = "rhd_"


class DeviceGrantError(Exception):
    """An RFC 8628 error: `code` is the protocol's error code, the message a sentence for a person."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class Issued:
    device_code: str
    user_code: str  # shown as XXXX-XXXX
    expires_in: int
    interval: int


@dataclass(frozen=True)
class Granted:
    device: Device
    access_token: str  # empty for a browser sign-in (the session is the credential)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def user_code_normalise(value: str) -> str:
    """What the person typed, as stored: upper case, without dashes or spaces (so 'bcdf-ghjk' works)."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


def user_code_display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def device_authorization_request(*, client_name: str = "", for_browser: bool = False) -> Issued:
    """A new pending sign-in (RFC 8628 §3.2): a long device code for the TV, a short user code for the person."""
    now = clock.now()
    device_code = secrets.token_urlsafe(32)
    while True:
        user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
        if not DeviceAuthorization.objects.filter(user_code_hash=_digest(user_code)).exists():
            break
    DeviceAuthorization.objects.create(
        device_code_hash=_digest(device_code), user_code_hash=_digest(user_code), for_browser=for_browser,
        client_name=client_name[:200], interval_s=settings.REELHOUSE_DEVICE_POLL_SECONDS, created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.REELHOUSE_DEVICE_CODE_SECONDS))
    return Issued(device_code, user_code_display(user_code), settings.REELHOUSE_DEVICE_CODE_SECONDS,
                  settings.REELHOUSE_DEVICE_POLL_SECONDS)


def pending_for_user_code(user_code: str) -> DeviceAuthorization | None:
    """The pending, unexpired sign-in this user code belongs to, or None (wrong, used, decided or expired)."""
    code = user_code_normalise(user_code)
    if len(code) != USER_CODE_LENGTH:
        return None
    return DeviceAuthorization.objects.filter(
        user_code_hash=_digest(code), state=DeviceAuthorization.State.PENDING, expires_at__gt=clock.now()).first()


@transaction.atomic
def device_authorization_decide(*, authorization: DeviceAuthorization, user: User, profile: Profile | None,
                                approve: bool) -> DeviceAuthorization:
    """The person approves (for one of their profiles) or denies the sign-in; a code is decided once."""
    auth = DeviceAuthorization.objects.select_for_update().get(pk=authorization.pk)
    if auth.state != DeviceAuthorization.State.PENDING or auth.expires_at <= clock.now():
        raise DeviceGrantError("expired_token")
    if approve:
        if profile is None or profile.user_id != user.pk:
            raise DeviceGrantError("invalid_request", "Choose one of this account's profiles.")
        auth.state, auth.user, auth.profile = DeviceAuthorization.State.APPROVED, user, profile
    else:
        auth.state, auth.user = DeviceAuthorization.State.DENIED, user
    auth.save(update_fields=["state", "user", "profile"])
    audit_record(action="device.approved" if approve else "device.denied", subject=auth, actor=user)
    return auth


def device_token_poll(*, device_code: str, browser_bound: bool = False) -> Granted:
    """The TV asks whether it was approved (RFC 8628 §3.4/§3.5). Raises DeviceGrantError with
    authorization_pending, slow_down, access_denied, expired_token or invalid_grant; on approval creates the
    device once (the code is spent) and, for a non-browser client, its bearer token.

    A code asked for by the web TV page is honoured only with browser_bound=True (the caller checked the
    session that asked holds it), so nobody can collect another browser's sign-in or push theirs into it."""
    with transaction.atomic():  # the error is raised after the commit: the poll time and interval must stay
        outcome = _poll(device_code, browser_bound)
    if isinstance(outcome, DeviceGrantError):
        raise outcome
    return outcome


def _poll(device_code: str, browser_bound: bool) -> Granted | DeviceGrantError:
    now = clock.now()
    auth = DeviceAuthorization.objects.select_for_update().filter(device_code_hash=_digest(device_code)).first()
    if auth is None or auth.for_browser != browser_bound:
        return DeviceGrantError("invalid_grant", "This device code is not known.")
    if auth.state == DeviceAuthorization.State.USED:
        return DeviceGrantError("invalid_grant", "This device code was already used.")
    if auth.expires_at <= now:
        return DeviceGrantError("expired_token", "The code expired. Ask for a new one.")
    if auth.state == DeviceAuthorization.State.DENIED:
        return DeviceGrantError("access_denied", "The sign-in was declined.")
    too_soon = auth.last_polled_at is not None and now < auth.last_polled_at + dt.timedelta(seconds=auth.interval_s)
    auth.last_polled_at = now
    if too_soon:
        auth.interval_s += SLOW_DOWN_STEP_S
        auth.save(update_fields=["last_polled_at", "interval_s"])
        return DeviceGrantError("slow_down", f"Poll every {auth.interval_s} seconds.")
    if auth.state == DeviceAuthorization.State.PENDING:
        auth.save(update_fields=["last_polled_at"])
        return DeviceGrantError("authorization_pending")
    token = "" if browser_bound else TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = Device.objects.create(user=auth.user, profile=auth.profile, name=auth.client_name,
                                   token_hash=_digest(token) if token else "", created_at=now)
    auth.state, auth.device = DeviceAuthorization.State.USED, device
    auth.save(update_fields=["state", "device", "last_polled_at"])
    audit_record(action="device.signed_in", subject=device, actor=auth.user)
    return Granted(device, token)


def device_session_bind(*, device: Device, session_key: str) -> None:
    """The web TV's session after sign-in: revoking the device ends it."""
    Device.objects.filter(pk=device.pk).update(session_key=session_key)


def device_for_token(token: str) -> Device | None:
    """The active device a bearer token belongs to (the API's authentication), or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    device = (Device.objects.select_related("user", "profile")
              .filter(token_hash=_digest(token), revoked_at__isnull=True, user__is_active=True).first())
    if device is not None:
        Device.objects.filter(pk=device.pk).update(last_used_at=clock.now())
    return device


def devices_of(*, user: User) -> list[Device]:
    """The account's signed-in devices, newest first (revoked ones are gone from the list)."""
    return list(Device.objects.select_related("profile").filter(user=user, revoked_at__isnull=True))


@transaction.atomic
def device_revoke(*, device: Device, actor: User) -> None:
    """Sign the device out: its session ends now and its token stops working."""
    if device.revoked_at is not None:
        return
    device.revoked_at = clock.now()
    device.save(update_fields=["revoked_at"])
    if device.session_key:
        Session.objects.filter(session_key=device.session_key).delete()
    audit_record(action="device.revoked", subject=device, actor=actor)


def authorizations_purge() -> int:
    """Forget sign-in codes that expired (the periodic clean-up); returns how many went."""
    deleted, _ = DeviceAuthorization.objects.filter(expires_at__lte=clock.now() - dt.timedelta(hours=1)).delete()
    return deleted
