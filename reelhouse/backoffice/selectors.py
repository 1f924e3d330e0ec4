"""The figures the operator dashboards draw, as plain rows (the CSV exports are these same rows). Reads only: billing
figures come from `billing.reports`; plays and ingest throughput are counted here from the owning apps' tables.
Days and months are UTC calendar days and months."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db.models import Count
from django.db.models.functions import TruncDate

from reelhouse.billing import reports
from reelhouse.ingest.models import Delivery
from reelhouse.media.models import TranscodeJob
from reelhouse.playback.models import PlaybackSession

month_start = reports.month_start  # the months a figure covers are billing's (reports.month_starts)


def _days(*, now: dt.datetime, days: int) -> list[dt.date]:
    today = now.astimezone(dt.UTC).date()
    return [today - dt.timedelta(days=back) for back in range(days - 1, -1, -1)]


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def mrr_by_month(*, now: dt.datetime, months: int = 12) -> list[dict]:
    """[{month, currency, mrr_minor}]: MRR at the end of each month (at `now` for the month in progress)."""
    rows = []
    for start in reports.month_starts(now=now, months=months, include_current=True):
        at = min(start + relativedelta(months=1) - dt.timedelta(microseconds=1), now)
        rows += [{"month": start.strftime("%Y-%m"), "currency": currency, "mrr_minor": minor}
                 for currency, minor in reports.mrr(at=at).items()]
    return rows


def subscribers_by_plan(*, now: dt.datetime) -> list[dict]:
    """[{plan, state, subscribers}] of subscriptions giving access now."""
    return [{"plan": r["plan_name"], "state": r["sub_state"], "subscribers": r["subscribers"]}
            for r in reports.subscribers_by_plan_and_state(at=now)]


def plays_by_day(*, now: dt.datetime, days: int = 30) -> list[dict]:
    """[{day, plays}]: playback sessions started per day, zero days included."""
    window = _days(now=now, days=days)
    counts = dict(PlaybackSession.objects.filter(started_at__gte=_day_start(window[0]), started_at__lte=now)
                  .annotate(day=TruncDate("started_at", tzinfo=dt.UTC)).values_list("day").annotate(n=Count("id")))
    return [{"day": day.isoformat(), "plays": counts.get(day, 0)} for day in window]


def ingest_by_day(*, now: dt.datetime, days: int = 30) -> list[dict]:
    """[{day, published, transcode_hours}]: deliveries that reached 'published' (by their last change) and hours of
    finished transcode work (started to finished, failed attempts included: they used the machine too) per day."""
    window = _days(now=now, days=days)
    since = _day_start(window[0])
    published = dict(Delivery.objects.filter(state=Delivery.State.PUBLISHED, updated_at__gte=since, updated_at__lte=now)
                     .annotate(day=TruncDate("updated_at", tzinfo=dt.UTC)).values_list("day").annotate(n=Count("id")))
    seconds: dict[dt.date, float] = {}
    for started, finished in TranscodeJob.objects.filter(
            finished_at__gte=since, finished_at__lte=now, started_at__isnull=False).values_list("started_at",
                                                                                                "finished_at"):
        day = finished.astimezone(dt.UTC).date()
        seconds[day] = seconds.get(day, 0.0) + max((finished - started).total_seconds(), 0.0)
    return [{"day": day.isoformat(), "published": published.get(day, 0),
             "transcode_hours": round(seconds.get(day, 0.0) / 3600, 4)} for day in window]


def revenue_by_month(*, now: dt.datetime, months: int = 12) -> list[dict]:
    """[{month, plan, currency, net_minor, payments}]: money kept (refunds deducted) by month paid."""
    since = reports.month_starts(now=now, months=months, include_current=True)[0]
    return [{"month": r["month"], "plan": r["plan_name"], "currency": r["currency"], "net_minor": r["net_minor"],
             "payments": r["payments"]} for r in reports.revenue_by_month(since=since, until=now)]


def churn_by_month(*, now: dt.datetime, months: int = 12) -> list[dict]:
    """[{month, subscribers_start, churned, churn_rate}] for the last complete months."""
    return [{"month": f.month, "subscribers_start": f.subscribers_start, "churned": f.churned,
             "churn_rate": f.churn_rate} for f in reports.complete_months(now=now, months=months)]


def months_by_currency(*, now: dt.datetime, months: int = 12) -> list[dict]:
    """[{month, currency, subscribers_start, churned, churn_rate, revenue_minor, arpu_minor, mrr_minor_at_end}] for
    the last complete months (the churn and ARPU figures' months, from the same billing.reports.complete_months)."""
    return reports.month_rows(now=now, months=months)


def arpu_by_month(*, now: dt.datetime, months: int = 12) -> list[dict]:
    """[{month, currency, arpu_minor}] for the last complete months: net revenue / subscribers at the start."""
    return [{"month": f.month, "currency": c, "arpu_minor": v}
            for f in reports.complete_months(now=now, months=months) for c, v in sorted(f.arpu_minor.items())]


def trial_conversion() -> list[dict]:
    """[{trials, converted, rate}]: one row."""
    return [reports.trial_conversion()]


def trials_by_month(*, now: dt.datetime, months: int = 12) -> list[dict]:
    """[{month, trials, converted, rate}]: free trials by the month they started, and how many of those accounts
    have paid since (recent cohorts are still converting)."""
    window = reports.month_starts(now=now, months=months, include_current=True)
    cohorts = reports.trial_cohorts(since=window[0], until=now)
    rows = []
    for start in window:
        month = start.strftime("%Y-%m")
        c = cohorts.get(month, {"trials": 0, "converted": 0})
        rows.append({"month": month, "trials": c["trials"], "converted": c["converted"],
                     "rate": round(c["converted"] / c["trials"], 4) if c["trials"] else 0.0})
    return rows


def voucher_batches(*, limit: int = 20) -> list[dict]:
    """[{batch, plan, months, codes, redeemed}], newest batches first."""
    return [{"batch": r["name"], "plan": r["plan_name"], "months": r["months"], "codes": r["codes"],
             "redeemed": r["redeemed"]} for r in reports.voucher_batches_use()[:limit]]
