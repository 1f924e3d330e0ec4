"""Repeat infringers: strikes per source and the suspension of a source's ingest.

A source is whatever delivered the material: a watch folder or partner feed (ingest.Source) or a licensor
(rights.Licensor). Rights sits below ingest, so a source is referred to generically (model label and key) and ingest
registers how to find the sources of a work's deliveries (`source_finder_register`). Policy (published at
/legal/repeat-infringers/): after REELHOUSE_STRIKES_BEFORE_SUSPENSION strikes since the source's last lift, its ingest
is suspended until an operator with the rights & legal role lifts it; a licensor's suspension covers every source
bound to it. Every strike, suspension and lift is in the audit trail."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import IntegrityError, models, transaction

from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.rights.models import Notice, SourceSuspension, Strike

_finders: list[Callable[[object], Iterable[models.Model]]] = []


class StrikeError(Exception):
    """A lift that cannot be done as asked; the message says why."""


def source_finder_register(finder: Callable[[object], Iterable[models.Model]]) -> None:
    """`finder(work)` yields the sources that delivered the work (ingest registers one in its ready())."""
    if finder not in _finders:
        _finders.append(finder)


def source_key(source: models.Model) -> tuple[str, str]:
    return source._meta.label_lower, str(source.pk)


def _count_since_lift(source_type: str, source_id: str) -> int:
    last = (SourceSuspension.objects.filter(source_type=source_type, source_id=source_id, lifted_at__isnull=False)
            .order_by("-lifted_at").values_list("lifted_at", flat=True).first())
    strikes = Strike.objects.filter(source_type=source_type, source_id=source_id)
    return (strikes.filter(created_at__gt=last) if last else strikes).count()


@transaction.atomic
def record_strike(source: models.Model, *, reason: str, notice: Notice | None = None, work=None,
                  actor=None) -> Strike:
    """Record one strike against `source` (idempotent per notice) and suspend its ingest when it reaches the
    configured number of strikes since its last lift."""
    source_type, source_id = source_key(source)
    if notice is not None:
        existing = Strike.objects.filter(source_type=source_type, source_id=source_id, notice=notice).first()
        if existing is not None:
            return existing
    strike = Strike.objects.create(
        source_type=source_type, source_id=source_id, source_name=str(source)[:200], reason=reason, notice=notice,
        work_id=getattr(work, "work_ptr_id", None) or getattr(work, "pk", None),
        actor=actor if getattr(actor, "is_authenticated", False) else None)
    count = _count_since_lift(source_type, source_id)
    audit_record(action="strike.recorded", subject=strike, actor=actor, reason=reason, source=source_type,
                 source_id=source_id, source_name=strike.source_name, notice=notice.reference if notice else "",
                 work=strike.work_id, strikes=count)
    limit = settings.REELHOUSE_STRIKES_BEFORE_SUSPENSION
    if count >= limit and not source_suspended(source, own_only=True):
        try:
            with transaction.atomic():
                suspension = SourceSuspension.objects.create(source_type=source_type, source_id=source_id,
                                                             source_name=strike.source_name, strikes=count)
        except IntegrityError:  # suspended by a concurrent strike
            return strike
        audit_record(action="source.suspended", subject=suspension, actor=actor, before={"suspended": False},
                     after={"suspended": True}, reason=f"{count} strikes (the policy suspends at {limit})",
                     source=source_type, source_id=source_id, source_name=strike.source_name)
    return strike


def _standing(source_type: str, source_id: str) -> SourceSuspension | None:
    return SourceSuspension.objects.filter(source_type=source_type, source_id=source_id,
                                           lifted_at__isnull=True).first()


def suspension_of(source: models.Model) -> SourceSuspension | None:
    """The standing suspension that stops this source's ingest: its own, or its licensor's."""
    own = _standing(*source_key(source))
    if own is not None:
        return own
    licensor_id = getattr(source, "licensor_id", None)
    return _standing("rights.licensor", str(licensor_id)) if licensor_id else None


def source_suspended(source: models.Model, *, own_only: bool = False) -> bool:
    """Whether the source's ingest is suspended (by its own strikes or, unless own_only, its licensor's)."""
    if own_only:
        return _standing(*source_key(source)) is not None
    return suspension_of(source) is not None


def suspended_keys(source_type: str) -> tuple[set[int], set[int]]:
    """(pks of suspended sources of that model, pks of suspended licensors): for queries that skip them."""
    rows = SourceSuspension.objects.filter(lifted_at__isnull=True, source_type__in=[source_type, "rights.licensor"])
    own, licensors = set(), set()
    for kind, pk in rows.values_list("source_type", "source_id"):
        (own if kind == source_type else licensors).add(int(pk))
    return own, licensors


def suspension_reason(suspension: SourceSuspension) -> str:
    """Why a delivery is held, in words an operator can act on."""
    return (f"source '{suspension.source_name}' is suspended since {suspension.suspended_at:%Y-%m-%d %H:%M} UTC "
            f"after {suspension.strikes} strikes (repeat-infringer policy); a rights & legal operator must lift the "
            f"suspension before its deliveries are processed")


@transaction.atomic
def lift_suspension(source_or_suspension: models.Model, *, actor, reason: str) -> SourceSuspension:
    """Lift a source's standing suspension (its strikes count again from zero); the reason is required."""
    if not reason.strip():
        raise StrikeError("give the reason for lifting the suspension (it goes to the audit trail)")
    if isinstance(source_or_suspension, SourceSuspension):
        suspension = SourceSuspension.objects.select_for_update().get(pk=source_or_suspension.pk)
    else:
        found = _standing(*source_key(source_or_suspension))
        if found is None:
            raise StrikeError(f"{source_or_suspension} is not suspended")
        suspension = SourceSuspension.objects.select_for_update().get(pk=found.pk)
    if suspension.lifted_at is not None:
        raise StrikeError(f"the suspension of {suspension.source_name} was already lifted")
    suspension.lifted_at = clock.now()
    suspension.lifted_by = actor if getattr(actor, "is_authenticated", False) else None
    suspension.lift_reason = reason.strip()
    suspension.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    audit_record(action="source.suspension_lifted", subject=suspension, actor=actor, before={"suspended": True},
                 after={"suspended": False}, reason=suspension.lift_reason, source=suspension.source_type,
                 source_id=suspension.source_id, source_name=suspension.source_name)
    return suspension


def strikes_for_withdrawal(*, works: list, notice: Notice, actor=None) -> list[Strike]:
    """An accepted notice strikes every source that delivered a withdrawn work, once per source; a work no
    registered source delivered (e.g. entered by hand) strikes the licensor of its licence."""
    sources: dict[tuple[str, str], tuple[models.Model, object]] = {}
    for work in works:
        found = [s for finder in _finders for s in finder(work)]
        if not found and getattr(work, "licence_id", None):
            found = [work.licence.licensor]
        for source in found:
            sources.setdefault(source_key(source), (source, work))
    reason = f"notice {notice.reference} accepted: infringing material delivered by this source was withdrawn"
    return [record_strike(source, reason=reason, notice=notice, work=work, actor=actor)
            for source, work in sources.values()]
