"""The dashboard figures: what each one shows (rows from selectors) and how it is drawn (core.plots: matplotlib,
Agg, SVG, cached per figure, day, language and data)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reelhouse.backoffice import selectors
from reelhouse.billing import reports
from reelhouse.core.plots import PALETTE, plot_svg
from reelhouse.core.plots import empty as _empty
from reelhouse.core.plots import from_zero as _from_zero
from reelhouse.core.plots import x_labels as _x_labels

MINOR_PER_MAJOR = defaultdict(lambda: 100, {"JPY": 1, "KRW": 1})


def _major(minor: int, currency: str) -> float:
    return minor / MINOR_PER_MAJOR[currency]


def _lines_by_currency(ax, rows: list[dict], value: str, months: list[str]) -> None:
    by_currency: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        by_currency[r["currency"]][r["month"]] = r[value]
    for currency, values in sorted(by_currency.items()):
        ax.plot(range(len(months)), [_major(values.get(m, 0), currency) for m in months], marker="o", label=currency)
    _x_labels(ax, months)
    ax.legend(title=_("Currency"))


def _months_of(rows: list[dict], now: dt.datetime, *, include_current: bool = True) -> list[str]:
    return [m.strftime("%Y-%m") for m in reports.month_starts(now=now, months=12, include_current=include_current)]


def draw_mrr(fig, rows, now):
    ax = fig.subplots()
    if not rows:
        return _empty(ax)
    _lines_by_currency(ax, rows, "mrr_minor", _months_of(rows, now))
    ax.set_xlabel(_("Month (UTC)"))
    ax.set_ylabel(_("MRR (currency units per month)"))


def draw_subscribers(fig, rows, now):
    ax = fig.subplots()
    if not rows:
        return _empty(ax)
    plans = sorted({r["plan"] for r in rows})
    left = [0] * len(plans)
    for state in sorted({r["state"] for r in rows}):
        counts = [sum(r["subscribers"] for r in rows if r["plan"] == p and r["state"] == state) for p in plans]
        ax.barh(plans, counts, left=left, label=state)
        left = [a + b for a, b in zip(left, counts, strict=True)]
    ax.set_xlabel(_("Subscribers (people)"))
    ax.set_ylabel(_("Plan"))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(title=_("State"))


def draw_plays(fig, rows, now):
    ax = fig.subplots()
    ax.bar(range(len(rows)), [r["plays"] for r in rows], label=_("Plays"), color=PALETTE[0])
    _from_zero(ax, [r["plays"] for r in rows])
    _x_labels(ax, [r["day"] for r in rows], every=5)
    ax.set_xlabel(_("Day (UTC)"))
    ax.set_ylabel(_("Plays (sessions started)"))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend()


def draw_ingest(fig, rows, now):
    top, bottom = fig.subplots(2, 1, sharex=True)
    x = range(len(rows))
    top.bar(x, [r["published"] for r in rows], color=PALETTE[2], label=_("Published deliveries"))
    _from_zero(top, [r["published"] for r in rows])
    top.set_ylabel(_("Deliveries"))
    top.yaxis.get_major_locator().set_params(integer=True)
    top.legend(loc="upper left")
    bottom.bar(x, [r["transcode_hours"] for r in rows], color=PALETTE[3], label=_("Transcode hours"))
    _from_zero(bottom, [r["transcode_hours"] for r in rows])
    bottom.set_ylabel(_("Hours"))
    bottom.legend(loc="upper left")
    _x_labels(bottom, [r["day"] for r in rows], every=5)
    bottom.set_xlabel(_("Day (UTC)"))


def draw_revenue(fig, rows, now):
    currencies = sorted({r["currency"] for r in rows})
    if not currencies:
        return _empty(fig.subplots())
    months = _months_of(rows, now)
    axes = fig.subplots(1, len(currencies), squeeze=False)[0]
    plans = sorted({r["plan"] for r in rows})
    colours = dict(zip(plans, PALETTE * 4, strict=False))
    for ax, currency in zip(axes, currencies, strict=True):
        bottom = [0.0] * len(months)
        for plan in plans:
            values = [_major(sum(r["net_minor"] for r in rows if (r["month"], r["plan"], r["currency"])
                                 == (m, plan, currency)), currency) for m in months]
            if any(values):
                ax.bar(range(len(months)), values, bottom=bottom, label=plan, color=colours[plan])
                bottom = [a + b for a, b in zip(bottom, values, strict=True)]
        _x_labels(ax, months, every=2)
        ax.set_title(currency, fontweight="normal")
        ax.set_xlabel(_("Month paid (UTC)"))
        ax.set_ylabel(_("Net revenue (%(currency)s)") % {"currency": currency})
        ax.legend(title=_("Plan"), fontsize=8)


def draw_churn(fig, rows, now):
    ax = fig.subplots()
    months = [r["month"] for r in rows]
    ax.plot(range(len(rows)), [100 * r["churn_rate"] for r in rows], marker="o", label=_("Churn rate"),
            color=PALETTE[3])
    _x_labels(ax, months)
    ax.set_xlabel(_("Month (UTC)"))
    # xgettext:no-python-format
    ax.set_ylabel(_("Churn (% of subscribers at month start)"))
    _from_zero(ax, [100 * r["churn_rate"] for r in rows], floor=10.0)
    ax.legend()


def draw_arpu(fig, rows, now):
    ax = fig.subplots()
    if not rows:
        return _empty(ax)
    _lines_by_currency(ax, rows, "arpu_minor", _months_of(rows, now, include_current=False))
    ax.set_xlabel(_("Month (UTC)"))
    ax.set_ylabel(_("ARPU (currency units per subscriber)"))


def draw_trials(fig, rows, now):
    ax = fig.subplots()
    row = rows[0]
    ax.bar([_("Trials"), _("Converted")], [row["trials"], row["converted"]], color=[PALETTE[5], PALETTE[2]])
    ax.set_ylabel(_("Accounts (people)"))
    ax.set_xlabel(_("Conversion rate: %(rate).1f%%") % {"rate": 100 * row["rate"]})
    ax.yaxis.get_major_locator().set_params(integer=True)


def draw_trials_by_month(fig, rows, now):
    ax = fig.subplots()
    if not any(r["trials"] for r in rows):
        return _empty(ax)
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r["trials"] for r in rows], width=0.4, label=_("Trials started"), color=PALETTE[5])
    ax.bar([i + 0.2 for i in x], [r["converted"] for r in rows], width=0.4, label=_("Paid since"), color=PALETTE[2])
    _from_zero(ax, [r["trials"] for r in rows])
    _x_labels(ax, [r["month"] for r in rows])
    ax.set_xlabel(_("Month the trial started (UTC)"))
    ax.set_ylabel(_("Accounts (people)"))
    ax.yaxis.get_major_locator().set_params(integer=True)
    rate = ax.twinx()
    # A month without trials has no rate (a gap in the line, not a misleading 0 %).
    rate.plot(list(x), [100 * r["rate"] if r["trials"] else float("nan") for r in rows], marker="o", color=PALETTE[3],
              label=_("Conversion rate"))
    rate.set_ylim(0, 105)
    # xgettext:no-python-format
    rate.set_ylabel(_("Conversion (% of trials)"))
    rate.grid(False)
    rate.spines["right"].set_visible(True)
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = rate.get_legend_handles_labels()
    ax.legend(handles + more_handles, labels + more_labels, loc="upper left")


def draw_vouchers(fig, rows, now):
    ax = fig.subplots()
    if not rows:
        return _empty(ax)
    names = [r["batch"] for r in reversed(rows)]
    y = range(len(names))
    ax.barh([i + 0.2 for i in y], [r["codes"] for r in reversed(rows)], height=0.4, label=_("Codes"),
            color=PALETTE[5])
    ax.barh([i - 0.2 for i in y], [r["redeemed"] for r in reversed(rows)], height=0.4, label=_("Redeemed"),
            color=PALETTE[0])
    ax.set_yticks(list(y), names)
    ax.set_ylim(-0.8, max(len(names), 3) - 0.2)  # one batch does not fill the panel with one fat bar
    ax.set_xlabel(_("Codes (count)"))
    ax.set_ylabel(_("Voucher batch"))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()


@dataclass(frozen=True)
class FigureSpec:
    key: str
    title: str
    description: str
    rows: Callable[[dt.datetime], list[dict]]
    draw: Callable
    height: float = 3.6


FIGURES = {f.key: f for f in [
    FigureSpec("mrr", gettext_lazy("Monthly recurring revenue"),
               gettext_lazy("MRR at the end of each of the last 12 months, per currency; prepaid terms spread "
                            "over the months they bought."), lambda now: selectors.mrr_by_month(now=now), draw_mrr),
    FigureSpec("subscribers", gettext_lazy("Active subscribers by plan"),
               gettext_lazy("People with access now, by plan and subscription state."),
               lambda now: selectors.subscribers_by_plan(now=now), draw_subscribers),
    FigureSpec("plays", gettext_lazy("Plays per day"),
               gettext_lazy("Playback sessions started per day over the last 30 days."),
               lambda now: selectors.plays_by_day(now=now), draw_plays),
    FigureSpec("ingest", gettext_lazy("Ingest throughput per day"),
               gettext_lazy("Deliveries published and hours of transcoding finished per day over the last 30 days."),
               lambda now: selectors.ingest_by_day(now=now), draw_ingest, height=4.6),
    FigureSpec("revenue", gettext_lazy("Revenue by plan and currency"),
               gettext_lazy("Net revenue (refunds deducted) per month paid over the last 12 months, by plan; one "
                            "panel per currency."), lambda now: selectors.revenue_by_month(now=now), draw_revenue),
    FigureSpec("churn", gettext_lazy("Churn"),
               gettext_lazy("Share of the people with access at the start of each complete month who had none at "
                            "its end."), lambda now: selectors.churn_by_month(now=now), draw_churn),
    FigureSpec("arpu", gettext_lazy("Average revenue per user"),
               gettext_lazy("Net revenue of each complete month divided by the subscribers at its start, per "
                            "currency."), lambda now: selectors.arpu_by_month(now=now), draw_arpu),
    FigureSpec("trials", gettext_lazy("Trial conversion"),
               gettext_lazy("Free trials taken, and how many of those accounts paid afterwards."),
               lambda now: selectors.trial_conversion(), draw_trials),
    FigureSpec("trial_cohorts", gettext_lazy("Trial conversion by month"),
               gettext_lazy("Free trials by the month they started and how many of those accounts have paid since; "
                            "recent months are still converting."),
               lambda now: selectors.trials_by_month(now=now), draw_trials_by_month),
    FigureSpec("vouchers", gettext_lazy("Voucher batches and their use"),
               gettext_lazy("Codes generated and redeemed per batch, newest 20 batches."),
               lambda now: selectors.voucher_batches(), draw_vouchers),
]}
OVERVIEW = ["mrr", "subscribers", "plays", "ingest"]
REVENUE = ["revenue", "churn", "arpu", "trials", "trial_cohorts", "vouchers"]
# Reports with rows but no plot: CSV only, at the same route as the figures' rows (/ops/dashboard/<key>.csv).
TABLES: dict[str, Callable[[dt.datetime], list[dict]]] = {
    "months": lambda now: selectors.months_by_currency(now=now),  # churn, revenue, ARPU, MRR per month and currency
}
MONEY = {"mrr", *REVENUE, *TABLES}  # only for roles with backoffice.view_revenue


def figure_svg(*, spec: FigureSpec, rows: list[dict], now: dt.datetime) -> bytes:
    """The figure drawn as an SVG document (core.plots: cached per figure, day, language and data)."""
    return plot_svg(name=spec.key, title=str(spec.title), rows=rows, now=now, draw=spec.draw, height=spec.height)
