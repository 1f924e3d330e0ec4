"""The audit trail: the one write every app shares, append-only and tamper-evident.

Each entry carries who (actor and their e-mail then), what (action, subject), when, the values before and after, the
reason, and the sha256 of the previous entry: hash = sha256(canonical JSON of the entry's fields + previous hash).
Appends serialise on the chain-head row (UPDATE first, so PostgreSQL row-locks it and SQLite takes its write lock),
so concurrent writers never fork the chain. `audit_verify()` (`reelhouse audit verify`) walks the chain and names the
first entry that does not match."""

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.db.models import F

from reelhouse.core import clock
from reelhouse.core.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
_acting = contextvars.ContextVar("reelhouse_audit_actor", default=(None, ""))


@contextlib.contextmanager
def acting_as(user, *, reason: str = ""):
    """Entries recorded inside (e.g. by signal handlers that cannot see the request) name `user` as the actor and,
    unless they give their own, `reason` as the reason."""
    token = _acting.set((user, reason))
    try:
        yield
    finally:
        _acting.reset(token)


def _jsonable(value):
    """JSON-native form of a value, as the JSON column will give it back (dates as ISO text, sets as sorted lists)."""
    return json.loads(json.dumps(value, default=_default, sort_keys=True))


def _default(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str)
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def _at_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(entry: AuditEvent) -> str:
    """sha256 over the canonical JSON of everything the entry says, then its previous hash."""
    body = {"seq": entry.seq, "at": _at_text(entry.at), "action": entry.action, "actor_id": entry.actor_id,
            "actor_label": entry.actor_label, "subject_type": entry.subject_type, "subject_id": entry.subject_id,
            "detail": entry.detail, "before": entry.before, "after": entry.after, "reason": entry.reason}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((canonical + entry.prev_hash).encode()).hexdigest()


def _lock_head() -> AuditChainHead:
    """Take the chain head's write lock (inside the caller's transaction) and return it."""
    if AuditChainHead.objects.filter(pk=1).update(seq=F("seq")) == 0:
        last = AuditEvent.objects.order_by("-seq").first()
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(pk=1, seq=last.seq if last else 0, hash=last.hash if last else GENESIS)
        except IntegrityError:
            pass  # another writer made it first
        AuditChainHead.objects.filter(pk=1).update(seq=F("seq"))
    return AuditChainHead.objects.select_for_update().get(pk=1)


def audit_record(*, action: str, subject: models.Model | None = None, actor=None, before=None, after=None,
                 reason: str = "", **detail) -> AuditEvent:
    """Append one entry to the audit trail. `before`/`after` hold the changed values (dicts), `reason` why."""
    context_actor, context_reason = _acting.get()
    actor = actor if actor is not None else context_actor
    reason = reason or context_reason
    actor = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head = _lock_head()
        entry = AuditEvent(
            seq=head.seq + 1, at=clock.now(), action=action,
            actor_id=actor.pk if actor else None, actor_label=getattr(actor, "email", "") or "" if actor else "",
            subject_type=subject._meta.label_lower if subject is not None else "",
            subject_id=str(subject.pk) if subject is not None else "",
            detail=_jsonable(detail), before=_jsonable(before), after=_jsonable(after), reason=reason or "",
            prev_hash=head.hash,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(seq=entry.seq, hash=entry.hash)
    return entry


@dataclass
class Verdict:
    checked: int
    broken: AuditEvent | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def audit_verify() -> Verdict:
    """Walk the chain from the first entry; the first entry whose content, position or link does not match."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for entry in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return Verdict(checked, entry, f"entry #{entry.seq} (id {entry.pk}) follows #{expected_seq - 1}: entries "
                                           f"#{expected_seq}..#{entry.seq - 1} were removed")
        if entry.prev_hash != prev:
            return Verdict(checked, entry, f"entry #{entry.seq} (id {entry.pk}) does not link to the entry before it "
                                           "(its previous hash differs): the chain was altered there")
        if entry_hash(entry) != entry.hash:
            return Verdict(checked, entry, f"entry #{entry.seq} (id {entry.pk}, {entry.action}) was altered: its "
                                           "content no longer matches its hash")
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        return Verdict(checked, None, f"the chain ends at #{expected_seq - 1} but its head says #{head.seq}: the "
                                      "newest entries were removed")
    return Verdict(checked)
