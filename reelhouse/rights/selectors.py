"""Reads for rights: is a licence usable now, and why not."""

import datetime as dt

from django.db.models import Q

from reelhouse.core import clock
from reelhouse.rights.models import Licence, territory_match_keys


def licence_problem(*, licence: Licence | None, territory: str | None = None, at: dt.datetime | None = None) -> str:
    """Why this licence does not allow showing a work now (in `territory` if given); '' when it does."""
    at = at or clock.now()
    if licence is None:
        return "no licence is attached"
    if at < licence.starts_at:
        return f"licence '{licence.name}' starts {licence.starts_at:%Y-%m-%d}"
    if licence.ends_at is not None and at >= licence.ends_at:
        return f"licence '{licence.name}' ended {licence.ends_at:%Y-%m-%d}"
    if territory and not licence.covers_territory(territory):
        return f"licence '{licence.name}' does not cover territory {territory.upper()} (covers {licence.territories})"
    return ""


def licence_available_q(*, country: str | None, at: dt.datetime, prefix: str = "") -> Q:
    """Works (reached through `prefix`, e.g. 'work__') that may be shown in `country` at `at`, by the same rule as
    licence_problem: a licence in force then that covers the country. A work without a licence is not held back here
    (playback refuses it with its own reason). `country` None: no filter."""
    if country is None:
        return Q()
    lic = f"{prefix}licence"
    worldwide, own = territory_match_keys(country)
    return Q(**{f"{lic}__isnull": True}) | (
        Q(**{f"{lic}__starts_at__lte": at})
        & (Q(**{f"{lic}__ends_at__isnull": True}) | Q(**{f"{lic}__ends_at__gt": at}))
        & (Q(**{f"{lic}__territory_key__contains": worldwide}) | Q(**{f"{lic}__territory_key__contains": own})))


def withdrawal_problem(*, work_id: int | None) -> str:
    """Why a work may not be (re)published: a withdrawal on a notice still stands; '' when none does."""
    from reelhouse.rights.models import WorkWithdrawal

    if work_id is None:
        return ""
    standing = (WorkWithdrawal.objects.filter(work_id=work_id, lifted_at__isnull=True).select_related("notice")
                .first())
    if standing is None:
        return ""
    return (f"the work was withdrawn on notice {standing.notice} on {standing.withdrawn_at:%Y-%m-%d}; a new delivery "
            "cannot republish it until the withdrawal is lifted (counter-notice restoration or rights & legal)")


def withdrawn_work_ids():
    """The ids of works a standing withdrawal keeps off the service (a subquery)."""
    from reelhouse.rights.models import WorkWithdrawal

    return WorkWithdrawal.objects.filter(lifted_at__isnull=True).values("work_id")


def transparency_by_month() -> list[dict]:
    """Per month of filing: notices received and their outcome so far, the median hours from notice to first
    decision and from an accepting decision to the withdrawal, counter-notices and restorations. Newest first."""
    from collections import defaultdict
    from statistics import median

    from reelhouse.rights.models import Notice

    months = defaultdict(lambda: {"received": 0, "accepted": 0, "rejected": 0, "needs_information": 0,
                                  "counter_notices": 0, "restored": 0, "_decide": [], "_withdraw": []})
    notices = Notice.objects.prefetch_related("decisions", "withdrawals").select_related("counter_notice")
    for notice in notices:
        row = months[notice.created_at.strftime("%Y-%m")]
        row["received"] += 1
        decisions = list(notice.decisions.all())
        final = [d for d in decisions if d.outcome in ("accepted", "rejected")]
        if final:
            row[final[0].outcome] += 1
            row["_decide"].append((final[0].decided_at - notice.created_at).total_seconds() / 3600)
            withdrawn = [w.withdrawn_at for w in notice.withdrawals.all()]
            if final[0].outcome == "accepted" and withdrawn:
                row["_withdraw"].append(max(0.0, (max(withdrawn) - final[0].decided_at).total_seconds() / 3600))
        elif decisions:
            row["needs_information"] += 1
        counter = getattr(notice, "counter_notice", None)
        if counter is not None:
            row["counter_notices"] += 1
            row["restored"] += counter.restored_at is not None
    out = []
    for month in sorted(months, reverse=True):
        row = months[month]
        out.append({"month": month, **{k: v for k, v in row.items() if not k.startswith("_")},
                    "median_hours_to_decision": round(median(row["_decide"]), 2) if row["_decide"] else None,
                    "median_hours_to_withdrawal": round(median(row["_withdraw"]), 2) if row["_withdraw"] else None})
    return out
