"""Reads for rights: is a licence usable now, and why not."""

import datetime as dt

from reelhouse.core import clock
from reelhouse.rights import rule
from reelhouse.rights.models import Licence


def licence_problem(*, licence: Licence | None, territory: str | None = None, at: dt.datetime | None = None) -> str:
    """Why this licence does not allow showing a work now (in `territory` if given, as rule.viewer_country makes it;
    None: anywhere); '' when it does. The licence alone: `work_problem` adds the work's withdrawals."""
    at = at or clock.now()
    country = None if territory is None else rule.viewer_country(territory)
    if licence is None:
        return "no licence is attached"
    if problem := rule.window_problem(licence, at):
        return problem
    return rule.work_refusal(licence=licence, country=country, at=at)[1] if country is not None else ""


def work_problem(*, work, country: str, at: dt.datetime | None = None) -> tuple[str, str]:
    """rule.work_refusal for a work (anything with pk and licence) and a viewer's country, with the work's standing
    withdrawals: (code, reason), ('', '') when it may be played."""
    at = at or clock.now()
    withdrawn = rule.work_withdrawals(work.pk)
    return rule.work_refusal(licence=work.licence, withdrawn=withdrawn, country=rule.viewer_country(country), at=at)


def works_shown(*, works, country: str, at: dt.datetime | None = None) -> set[int]:
    """The ids of these works (anything with pk and licence) that browsing shows a viewer in `country` at `at`
    (rule.shown: a work without a licence is shown nowhere), with their standing withdrawals read in one query."""
    at = at or clock.now()
    works = list(works)
    withdrawn = rule.standing_withdrawals([w.pk for w in works])
    country = rule.viewer_country(country)
    return {w.pk for w in works
            if rule.shown(rule.work_territories(licence=w.licence, withdrawn=withdrawn.get(w.pk, ()), at=at), country)}


def withdrawal_problem(*, work_id: int | None) -> str:
    """Why a work may not be (re)published: a withdrawal on a notice in all territories still stands; '' when none
    does (a withdrawal in some territories keeps the work there off the service through rights.rule instead)."""
    from reelhouse.rights.models import WorkWithdrawal

    if work_id is None:
        return ""
    standing = (WorkWithdrawal.objects.filter(work_id=work_id, lifted_at__isnull=True, territories="")
                .select_related("notice")
                .first())
    if standing is None:
        return ""
    return (f"the work was withdrawn on notice {standing.notice} on {standing.withdrawn_at:%Y-%m-%d}; a new delivery "
            "cannot republish it until the withdrawal is lifted (counter-notice restoration or rights & legal)")


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


def withdrawals_stamp() -> tuple:
    """A value that changes whenever a withdrawal is made or lifted (one small aggregate): caches of what is shown
    (the home page's shared rows) compare it, so a takedown is not hidden behind them."""
    from django.db.models import Max

    from reelhouse.rights.models import WorkWithdrawal

    row = WorkWithdrawal.objects.aggregate(newest=Max("pk"), lifted=Max("lifted_at"))
    return row["newest"], row["lifted"]
