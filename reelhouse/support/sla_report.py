"""The service-level report: per week, requests opened, business hours to the first response (median and 90th
percentile), breaches, and the satisfaction ratings; drawn as the dashboards draw (core.plots)."""

import datetime as dt
import statistics

from django.utils.translation import gettext as _

from reelhouse.core import plots
from reelhouse.support import sla
from reelhouse.support.models import Ticket

WEEKS = 12


def _week_start(at: dt.datetime) -> dt.date:
    day = at.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def _p90(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def weekly_rows(*, now: dt.datetime) -> list[dict]:
    """One row per week (Monday, UTC) of the last WEEKS weeks, oldest first."""
    first = _week_start(now) - dt.timedelta(weeks=WEEKS - 1)
    since = dt.datetime.combine(first, dt.time(), dt.UTC)
    weeks: dict[dt.date, dict] = {first + dt.timedelta(weeks=i): {"responses": [], "opened": 0, "breached": 0,
                                                                  "ratings": []} for i in range(WEEKS)}
    for ticket in Ticket.objects.filter(created_at__gte=since).only(
            "created_at", "first_response_at", "resolved_at", "state", "priority", "paused_since",
            "paused_business_s", "rating"):
        week = weeks[_week_start(ticket.created_at)]
        timers = sla.timers(ticket, now=now)
        week["opened"] += 1
        week["breached"] += timers.breached
        if ticket.first_response_at:
            week["responses"].append(timers.first_response_s / 3600)
        if ticket.rating:
            week["ratings"].append(ticket.rating)
    return [{"week": day.isoformat(), "opened": w["opened"], "answered": len(w["responses"]),
             "first_response_median_h": round(statistics.median(w["responses"]), 2) if w["responses"] else None,
             "first_response_p90_h": round(_p90(w["responses"]), 2) if w["responses"] else None,
             "breached": w["breached"],
             "rating_mean": round(statistics.fmean(w["ratings"]), 2) if w["ratings"] else None}
            for day, w in sorted(weeks.items())]


def draw(fig, rows: list[dict], now: dt.datetime, *, target_h: float) -> None:
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    labels = [r["week"][5:] for r in rows]
    if not any(r["opened"] for r in rows):
        plots.empty(top)
        plots.empty(bottom)
        return
    xs = range(len(rows))
    median = [r["first_response_median_h"] for r in rows]
    p90 = [r["first_response_p90_h"] for r in rows]
    top.plot(xs, [v if v is not None else float("nan") for v in median], marker="o", label=_("Median"))
    top.plot(xs, [v if v is not None else float("nan") for v in p90], marker="s", linestyle="--",
             label=_("90th percentile"))
    top.axhline(target_h, color=plots.PALETTE[3], linewidth=1, label=_("Target (normal priority)"))
    top.set_ylabel(_("Business hours to first response"))
    plots.from_zero(top, [v for v in [*median, *p90, target_h] if v is not None])
    top.legend(loc="upper left", fontsize=8)
    bottom.bar(xs, [r["opened"] for r in rows], color=plots.PALETTE[5], label=_("Opened"))
    bottom.bar(xs, [r["breached"] for r in rows], color=plots.PALETTE[3], label=_("Past the service level"))
    bottom.set_ylabel(_("Requests"))
    plots.from_zero(bottom, [r["opened"] for r in rows])
    bottom.legend(loc="upper left", fontsize=8)
    plots.x_labels(bottom, labels)
