"""Billing figures for the back office: subscribers by plan and state, MRR, churn, ARPU, revenue by plan and
currency per month, trial conversion, voucher use. Reads only; months are calendar months in UTC."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from reelhouse.billing.models import Payment, Subscription, TrialUse, VoucherBatch
from reelhouse.billing.selectors import WATCHABLE_STATES


def _with_access_q(at: dt.datetime) -> Q:
    in_period = Q(state__in=WATCHABLE_STATES, current_period_end__gt=at)
    in_grace = Q(state=Subscription.State.PAST_DUE, grace_until__gt=at)
    pause_over = Q(state=Subscription.State.PAUSED, paused_until__lte=at, current_period_end__gt=at)
    return (in_period | in_grace | pause_over) & Q(current_period_start__lte=at)


def users_with_access(*, at: dt.datetime) -> set[int]:
    return set(Subscription.objects.filter(_with_access_q(at)).values_list("user_id", flat=True))


def subscribers_by_plan_and_state(*, at: dt.datetime) -> list[dict]:
    """[{plan, state, subscribers}] for subscriptions giving access at `at`, and paused ones (still subscribers,
    coming back when the pause ends)."""
    paused = Q(state=Subscription.State.PAUSED, paused_until__gt=at, current_period_end__gt=at,
               current_period_start__lte=at)
    return list(Subscription.objects.filter(_with_access_q(at) | paused)
                .values(plan_name=F("plan__name"), sub_state=F("state"))
                .annotate(subscribers=Count("user", distinct=True)).order_by("plan_name", "sub_state"))


def revenue_by_month(*, since: dt.datetime, until: dt.datetime) -> list[dict]:
    """[{month, plan, currency, net_minor, payments}]: money kept (refunds deducted), by month paid."""
    rows = (Payment.objects.filter(paid_at__gte=since, paid_at__lt=until)
            .annotate(month=TruncMonth("paid_at")).values("month", "currency", plan_name=F("plan__name"))
            .annotate(net_minor=Sum(F("amount_minor") - F("refunded_minor")), payments=Count("id"))
            .order_by("month", "plan_name", "currency"))
    return [r | {"month": r["month"].date().isoformat()[:7]} for r in rows]


def mrr(*, at: dt.datetime) -> dict[str, int]:
    """Monthly recurring revenue per currency at `at`: every payment's net amount spread evenly over the months it
    bought, counted while `at` falls inside them."""
    totals: dict[str, float] = defaultdict(float)
    earliest = at - relativedelta(months=12)  # no term is longer than 12 months
    for p in Payment.objects.filter(paid_at__lte=at, paid_at__gt=earliest, months__gt=0).only(
            "paid_at", "months", "amount_minor", "refunded_minor", "currency"):
        if at < p.paid_at + relativedelta(months=p.months):
            totals[p.currency] += (p.amount_minor - p.refunded_minor) / p.months
    return {currency: round(total) for currency, total in sorted(totals.items())}


def month_start(at: dt.datetime) -> dt.datetime:
    """The start (UTC) of the calendar month holding `at`."""
    return at.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_starts(*, now: dt.datetime, months: int, include_current: bool) -> list[dt.datetime]:
    """Month starts (UTC), oldest first: the last `months` months, ending with this one or the last complete one."""
    last = month_start(now) if include_current else month_start(now) - relativedelta(months=1)
    return [last - relativedelta(months=back) for back in range(months - 1, -1, -1)]


@dataclass(frozen=True)
class MonthFigures:
    month: str
    subscribers_start: int
    churned: int
    churn_rate: float
    revenue_minor: dict[str, int]
    arpu_minor: dict[str, int]


def month_figures(*, month_start: dt.datetime) -> MonthFigures:
    """Churn (who had access at the start and none at the end) and ARPU (net revenue / subscribers at start)."""
    month_end = month_start + relativedelta(months=1)
    start_users, end_users = users_with_access(at=month_start), users_with_access(at=month_end)
    churned = len(start_users - end_users)
    revenue = {r["currency"]: r["net"] or 0 for r in Payment.objects.filter(
        paid_at__gte=month_start, paid_at__lt=month_end).values("currency").annotate(
        net=Sum(F("amount_minor") - F("refunded_minor")))}
    base = len(start_users)
    return MonthFigures(month=month_start.strftime("%Y-%m"), subscribers_start=base, churned=churned,
                        churn_rate=round(churned / base, 4) if base else 0.0, revenue_minor=revenue,
                        arpu_minor={c: round(v / base) for c, v in revenue.items()} if base else {})


def trial_conversion() -> dict[str, float | int]:
    """Trials taken, how many of those accounts paid afterwards, and the rate."""
    trials = TrialUse.objects.count()
    converted = (TrialUse.objects.filter(user__payments__state=Payment.State.PAID,
                                         user__payments__paid_at__gte=F("started_at"))
                 .values("user").distinct().count())
    return {"trials": trials, "converted": converted, "rate": round(converted / trials, 4) if trials else 0.0}


def trial_cohorts(*, since: dt.datetime, until: dt.datetime) -> dict[str, dict[str, int]]:
    """{month: {trials, converted}} by the month trials started: how many, and how many of those accounts paid
    afterwards (up to now)."""
    cohorts: dict[str, dict[str, int]] = defaultdict(lambda: {"trials": 0, "converted": 0})
    paid_after = Payment.objects.filter(user=models.OuterRef("user"), state=Payment.State.PAID,
                                        paid_at__gte=models.OuterRef("started_at"))
    for started, converted in (TrialUse.objects.filter(started_at__gte=since, started_at__lt=until)
                               .annotate(converted=models.Exists(paid_after)).values_list("started_at", "converted")):
        month = started.astimezone(dt.UTC).strftime("%Y-%m")
        cohorts[month]["trials"] += 1
        cohorts[month]["converted"] += int(converted)
    return dict(cohorts)


def voucher_batches_use() -> list[dict]:
    return list(VoucherBatch.objects.values("id", "name", "months", plan_name=F("plan__name"))
                .annotate(codes=Count("vouchers"),
                          redeemed=Count("vouchers", filter=Q(vouchers__redeemed_at__isnull=False)))
                .order_by("-id"))


def complete_months(*, now: dt.datetime, months: int = 12) -> list[MonthFigures]:
    """Churn, revenue and ARPU of the last `months` complete months, oldest first: the one source of monthly figures
    for the back office's churn and ARPU figures and its monthly table (month_rows)."""
    return [month_figures(month_start=start) for start in month_starts(now=now, months=months, include_current=False)]


def month_rows(*, now: dt.datetime, months: int = 12) -> list[dict]:
    """[{month, currency, subscribers_start, churned, churn_rate, revenue_minor, arpu_minor, mrr_minor_at_end}]:
    the last `months` complete months, one row per currency (one with currency '' for a month without money)."""
    rows = []
    for f in complete_months(now=now, months=months):
        month_end = dt.datetime.strptime(f.month, "%Y-%m").replace(tzinfo=dt.UTC) + relativedelta(months=1)
        at_end = mrr(at=month_end - dt.timedelta(seconds=1))
        for currency in sorted(set(f.revenue_minor) | set(at_end)) or [""]:
            rows.append({"month": f.month, "currency": currency, "subscribers_start": f.subscribers_start,
                         "churned": f.churned, "churn_rate": f.churn_rate,
                         "revenue_minor": f.revenue_minor.get(currency, 0),
                         "arpu_minor": f.arpu_minor.get(currency, 0), "mrr_minor_at_end": at_end.get(currency, 0)})
    return rows
