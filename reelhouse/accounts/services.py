"""Writes for people: users and the profiles within an account."""

import re

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reelhouse.accounts import signals
from reelhouse.accounts.models import Device, Profile, User
from reelhouse.core import clock
from reelhouse.core.audit import audit_record

LANGUAGE_TAG_RE = re.compile(r"^([a-z]{2,3})(-[a-z0-9]{2,4})?$", re.IGNORECASE)  # language, then region or script


def language_tag_clean(value: str) -> str:
    """A BCP 47 language tag as a profile stores it ('fr', 'pt-BR', 'deu'); '' stays ''. Raises ProfileError."""
    value = value.strip()
    if not value:
        return ""
    match = LANGUAGE_TAG_RE.match(value)
    if match is None or len(value) > Profile._meta.get_field("audio_language").max_length:
        raise ProfileError(_("%(value)s is not a language code; use one like en, fr or pt-BR.") % {"value": value[:40]})
    sub = (match.group(2) or "")[1:]
    return match.group(1).lower() + (f"-{sub.title() if len(sub) == 4 else sub.upper()}" if sub else "")


@transaction.atomic
def user_create(*, email: str, password: str, display_name: str = "", is_staff: bool = False,
                is_superuser: bool = False, country: str = "US") -> User:
    """Create a user with one default profile named after them: the owner's profile."""
    user = User.objects.create_user(
        email, password, display_name=display_name, is_staff=is_staff, is_superuser=is_superuser, country=country
    )
    Profile.objects.create(user=user, name=display_name or email.split("@")[0], is_owner=True)
    audit_record(action="user.created", subject=user)
    return user


class ProfileError(Exception):
    """A profile change that cannot be made; the message says why."""


def _pin_hash(pin: str) -> str:
    if not (len(pin) == 4 and pin.isdigit()):
        raise ProfileError(_("A profile lock is exactly 4 digits."))
    return make_password(pin)


@transaction.atomic
def profile_create(*, user: User, name: str, is_kids: bool = False, max_maturity: int | None = None,
                   pin: str = "", language: str = "") -> Profile:
    """Add a profile (at most five per account). A kids profile sees titles rated 7+ at most unless told otherwise."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # two tabs adding the fifth profile at once
    if user.profiles.count() >= Profile.MAX_PER_ACCOUNT:
        raise ProfileError(_("An account has at most %(n)d profiles. Delete one to add another.")
                           % {"n": Profile.MAX_PER_ACCOUNT})
    name = name.strip()
    if not name:
        raise ProfileError(_("Give the profile a name."))
    if user.profiles.filter(name__iexact=name).exists():
        raise ProfileError(_("There is already a profile called %(name)s.") % {"name": name})
    if max_maturity is None:
        max_maturity = Profile.Maturity.SEVEN if is_kids else Profile.Maturity.ADULT
    profile = Profile.objects.create(user=user, name=name, is_kids=is_kids, max_maturity=max_maturity,
                                     pin_hash=_pin_hash(pin) if pin else "", language=language)
    audit_record(action="profile.created", subject=profile)
    return profile


def profile_update(*, profile: Profile, name: str | None = None, is_kids: bool | None = None,
                   max_maturity: int | None = None, pin: str | None = None, language: str | None = None,
                   subtitle_language: str | None = None, audio_language: str | None = None) -> Profile:
    """Change a profile; pin="" removes the lock, None leaves a field as it is."""
    if name is not None:
        name = name.strip()
        if not name:
            raise ProfileError(_("Give the profile a name."))
        if profile.user.profiles.filter(name__iexact=name).exclude(pk=profile.pk).exists():
            raise ProfileError(_("There is already a profile called %(name)s.") % {"name": name})
        profile.name = name
    if is_kids is not None:
        if is_kids and profile.is_owner:
            raise ProfileError(_("The account owner's profile cannot be a kids profile."))
        profile.is_kids = is_kids
        if is_kids and max_maturity is None:
            max_maturity = min(profile.max_maturity, Profile.Maturity.SEVEN)
    if max_maturity is not None:
        profile.max_maturity = max_maturity
    if pin is not None:
        profile.pin_hash = _pin_hash(pin) if pin else ""
    for field, value in (("language", language), ("subtitle_language", subtitle_language),
                         ("audio_language", audio_language)):
        if value is not None:
            setattr(profile, field, value)
    profile.save()
    audit_record(action="profile.updated", subject=profile)
    return profile


@transaction.atomic
def profile_delete(*, profile: Profile) -> None:
    """Delete a profile and its history; an account keeps at least one."""
    if profile.user.profiles.count() <= 1:
        raise ProfileError(_("An account needs at least one profile."))
    if profile.is_owner:
        raise ProfileError(_("The account owner's profile cannot be deleted; close the account instead."))
    audit_record(action="profile.deleted", subject=profile.user, profile=profile.name)
    profile.delete()


def profile_pin_ok(*, profile: Profile, pin: str) -> bool:
    return not profile.is_locked or check_password(pin, profile.pin_hash)


class SignupError(Exception):
    """Sign-up refused; the message says what to change."""


VERIFY_SALT = "reelhouse.accounts.verify-email"
VERIFY_MAX_AGE_S = 3 * 24 * 3600


class SignupAddressTaken(SignupError):
    """The address already has an account (never shown to the person signing up: the owner is mailed instead)."""


@transaction.atomic
def user_signup(*, email: str, password: str, country: str, language: str = "") -> User:
    """A new account with one profile; the password must pass the configured validators (checked first, so a
    weak password gets the same answer whether or not the address is taken)."""
    email = User.objects.normalize_email(email).strip().lower()
    try:
        validate_password(password, user=User(email=email))
    except ValidationError as exc:
        raise SignupError(" ".join(exc.messages)) from exc
    if User.objects.filter(email__iexact=email).exists():
        raise SignupAddressTaken(_("There is already an account with this email. Sign in, or reset its password."))
    user = user_create(email=email, password=password, country=country.upper())
    if language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def _mail(*, user: User, subject: str, template: str, context: dict) -> None:
    """Account mail, written in the account's language (not that of whoever's request caused it) and sent through
    the one mail queue (notifications owns it; imported at call time because accounts sits below notifications).
    `subject` is a msgid marked with gettext_noop."""
    from reelhouse.core.mailing import mail_queue, recipient_language

    with translation.override(recipient_language(user)):
        subject, text = _(subject), render_to_string(template, context)
    mail_queue(to=user.email, subject=subject, text=text, user=user)


def signup_request(*, email: str, password: str, country: str, language: str, base_url: str) -> None:
    """Sign-up as the page does it, saying nothing about whether the address is registered: a new address gets its
    account and the confirmation link; a registered one gets a mail telling its owner (and the same hashing work,
    so the answer takes as long). Raises SignupError only for what the person typed (a weak password)."""
    try:
        user = user_signup(email=email, password=password, country=country, language=language)
    except SignupAddressTaken:
        make_password(password)  # the work a new account's password costs
        owner = User.objects.get(email__iexact=User.objects.normalize_email(email).strip())
        _mail(user=owner, subject=gettext_noop("Someone tried to create a Reelhouse account with your address"),
              template="accounts/email_signup_existing.txt",
              context={"user": owner, "login": f"{base_url.rstrip('/')}{reverse('accounts:login')}",
                       "reset": f"{base_url.rstrip('/')}{reverse('accounts:password_reset')}"})
        audit_record(action="user.signup_existing_address", subject=owner)
        return
    email_verification_send(user=user, base_url=base_url)


def email_verification_token(*, user: User) -> str:
    return signing.TimestampSigner(salt=VERIFY_SALT).sign(f"{user.pk}:{user.email}")


def email_verification_send(*, user: User, base_url: str) -> None:
    """Mail the link that proves the address is the subscriber's."""
    link = f"{base_url.rstrip('/')}{reverse('accounts:verify', args=[email_verification_token(user=user)])}"
    _mail(user=user, subject=gettext_noop("Confirm your email address for Reelhouse"),
          template="accounts/email_verify.txt", context={"user": user, "link": link, "days": 3})
    audit_record(action="user.verification_sent", subject=user)


def email_verify(*, token: str) -> User:
    """Mark the address verified; raises SignupError for a forged, expired or outdated link."""
    try:
        value = signing.TimestampSigner(salt=VERIFY_SALT).unsign(token, max_age=VERIFY_MAX_AGE_S)
    except signing.SignatureExpired as exc:
        raise SignupError(_("This link has expired. Sign in and ask for a new one.")) from exc
    except signing.BadSignature as exc:
        raise SignupError(_("This link is not valid. Copy the whole link from the email.")) from exc
    pk, _sep, email = value.partition(":")
    user = User.objects.filter(pk=pk, email=email).first()
    if user is None:
        raise SignupError(_("This link belongs to an address that is no longer on the account."))
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        user.save(update_fields=["email_verified_at"])
        audit_record(action="user.email_verified", subject=user)
    return user


def sessions_end_everywhere(*, user: User) -> None:
    """Sign the account out on every device: every session's signature stops matching (and, via the
    signed_out_everywhere signal, every stream stops)."""
    User.objects.filter(pk=user.pk).update(session_epoch=models.F("session_epoch") + 1)
    # TVs and apps signed in with a code too: their sessions end with the epoch, their bearer tokens here.
    Device.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    user.refresh_from_db(fields=["session_epoch"])
    audit_record(action="user.signed_out_everywhere", subject=user)
    transaction.on_commit(lambda: signals.signed_out_everywhere.send(sender=User, user=user))  # streams end too


def profile_playback_preferences_set(*, profile: Profile, audio_language: str | None = None,
                                     subtitle_language: str | None = None) -> Profile:
    """The languages the player starts a title in for this profile (None leaves one as it is): audio '' means the
    title's own default track; subtitles '' means off. Written only when something changes."""
    changed = []
    for field, value in (("audio_language", audio_language), ("subtitle_language", subtitle_language)):
        if value is not None and (value := language_tag_clean(value)) != getattr(profile, field):
            setattr(profile, field, value)
            changed.append(field)
    if changed:
        profile.save(update_fields=changed)
        audit_record(action="profile.playback_preferences", subject=profile,
                     **{field: getattr(profile, field) for field in changed})
    return profile


def account_export(*, user: User) -> dict:
    """Everything Reelhouse keeps about the account (each app's registered part; see accounts/export.py)."""
    from reelhouse.accounts.export import account_export as export

    return export(user=user)


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Close the account for good: profiles and history go, other apps end what they hold (account_closing); records
    the law requires (payments and their invoices) stay, with the account anonymous."""
    if not user.check_password(password):
        raise ProfileError(_("That password is not right."))
    try:
        signals.account_closing.send(sender=User, user=user)  # billing cancels the card subscription, and so on
    except signals.ClosingRefused as refused:
        raise ProfileError(str(refused)) from refused
    audit_record(action="user.deleted", subject=user)
    user.profiles.all().delete()
    user.email = f"deleted-{user.pk}@invalid"
    user.display_name = ""
    user.is_active = False
    user.totp_secret = ""
    user.set_unusable_password()
    user.save()
