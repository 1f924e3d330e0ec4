"""Calendar links: per-user tokens that open the air-calendar feed without a session."""

import hashlib
import secrets

from reelhouse.accounts.roles import OPS_INGEST
from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.ingest.models import CalendarToken
from reelhouse.ingest.services.pipeline import IngestError


def calendar_token_hash(raw: str) -> str:
    # The token is 256 random bits: a plain digest is enough (no password stretching needed), and is indexable.
    return hashlib.sha256(raw.encode()).hexdigest()


def _may_see_ops(user) -> bool:
    """Links work only while their owner may see the ingest pages (accounts/roles.py), like the pages themselves."""
    return bool(user.is_active and user.is_staff and user.has_perm(OPS_INGEST))


def calendar_token_create(*, user, label: str = "") -> tuple[CalendarToken, str]:
    """A new private iCal link for a staff member. Returns the record and the token, which is never stored or
    shown again (only its hash is kept)."""
    if not _may_see_ops(user):
        raise IngestError(f"{user}: calendar links are for active staff with the ingest pages' permission "
                          f"({OPS_INGEST}, e.g. the content manager role) only")
    raw = secrets.token_urlsafe(32)
    token = CalendarToken.objects.create(user=user, label=label.strip()[:120], token_hash=calendar_token_hash(raw),
                                         hint=raw[:6])
    audit_record(action="calendar_token.created", subject=token, actor=user)
    return token, raw


def calendar_token_revoke(*, token: CalendarToken, actor=None) -> CalendarToken:
    """Stop a calendar link from working (idempotent); the other links of the same person keep working."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="calendar_token.revoked", subject=token, actor=actor)
    return token


def calendar_token_use(*, raw: str):
    """The staff member a calendar link belongs to, or None when it is unknown, revoked, or its owner is no longer
    active staff with the ingest pages' permission. Records when it was last used (at most once a minute, so
    polling clients cost few writes)."""
    token = (CalendarToken.objects.select_related("user")
             .filter(token_hash=calendar_token_hash(raw), revoked_at__isnull=True).first())
    if token is None or not _may_see_ops(token.user):
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        CalendarToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
