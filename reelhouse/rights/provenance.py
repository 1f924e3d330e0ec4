"""Provenance of a work: where each published package came from and what decided it, for `reelhouse rights
provenance <work>` and the back office's provenance page (/ops/ingest/provenance/<work>).

Rights owns the licence and the notices; the deliveries, identification, transcodes and packages belong to apps above
it, so ingest registers the builder of that part (`provenance_builder_register`, in its ready()) and this module puts
the two together. Nothing here writes."""

from collections.abc import Callable

from reelhouse.rights.models import Licence, WorkWithdrawal

_builders: list[Callable[[int], dict]] = []


def provenance_builder_register(builder: Callable[[int], dict]) -> None:
    """`builder(work_id)` returns {"work": {...}, "assets": [...]} (ingest's part); replaces an earlier one."""
    _builders[:] = [builder]


def licence_json(licence: Licence | None) -> dict | None:
    if licence is None:
        return None
    return {"id": licence.pk, "licensor": licence.licensor.name, "name": licence.name,
            "starts_at": licence.starts_at.isoformat(), "ends_at": licence.ends_at.isoformat() if licence.ends_at
            else None, "territories": licence.territories, "allows_downloads": licence.allows_downloads,
            "max_height": licence.max_height}


def notices_json(work_id: int) -> list[dict]:
    """Every notice that named the work, with its decisions and the withdrawal it caused."""
    out = []
    withdrawals = (WorkWithdrawal.objects.filter(work_id=work_id).select_related("notice")
                   .prefetch_related("notice__decisions").order_by("withdrawn_at"))
    for w in withdrawals:
        notice = w.notice
        out.append({"reference": notice.reference, "state": notice.state, "filed_at": notice.created_at.isoformat(),
                    "scope": notice.scope, "claimant": notice.claimant_name,
                    "decisions": [{"outcome": d.outcome, "at": d.decided_at.isoformat(), "ground": d.ground,
                                   "automated": d.automated} for d in notice.decisions.all()],
                    "withdrawal": {"territories": w.territories or "all", "at": w.withdrawn_at.isoformat(),
                                   "lifted_at": w.lifted_at.isoformat() if w.lifted_at else None}})
    return out


class ProvenanceError(LookupError):
    """No such work, or no builder registered; the message says which."""


def work_provenance(work_id: int) -> dict:
    """The whole record: the work, its licence, each published asset's chain (delivery, identification, transcode
    job, files with their sha256) and the notices about it."""
    if not _builders:
        raise ProvenanceError("no provenance builder is registered (reelhouse.ingest must be installed)")
    record = _builders[0](work_id)
    record["notices"] = notices_json(work_id)
    return record
