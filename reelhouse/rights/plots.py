"""The transparency report's plot (drawn the way the /ops dashboards draw, core.plots): notices per month stacked by
outcome, and below them the median hours from notice to decision and from decision to withdrawal."""

from django.utils.translation import gettext as _

from reelhouse.core.plots import PALETTE, empty, from_zero, x_labels

OUTCOMES = [("accepted", PALETTE[3]), ("rejected", PALETTE[0]), ("needs_information", PALETTE[1]),
            ("open", PALETTE[5])]


def draw_transparency(fig, rows, now):
    counts, medians = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    if not rows:
        empty(counts)
        return empty(medians)
    rows = sorted(rows, key=lambda r: r["month"])  # oldest on the left
    months = [r["month"] for r in rows]
    labels = {"accepted": _("Accepted"), "rejected": _("Rejected"), "needs_information": _("More information asked"),
              "open": _("Not decided yet")}
    bottom = [0] * len(rows)
    for outcome, colour in OUTCOMES:
        values = [r["received"] - r["accepted"] - r["rejected"] - r["needs_information"] if outcome == "open"
                  else r[outcome] for r in rows]
        counts.bar(range(len(rows)), values, bottom=bottom, label=labels[outcome], color=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    from_zero(counts, bottom)
    counts.yaxis.get_major_locator().set_params(integer=True)
    counts.set_ylabel(_("Notices (count)"))
    counts.legend(title=_("Outcome"), fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    counts.set_xlim(-0.8, max(len(rows), 3) - 0.2)  # one month does not fill the panel with one fat bar
    for key, label, colour in (("median_hours_to_decision", _("Notice to decision"), PALETTE[0]),
                               ("median_hours_to_withdrawal", _("Decision to withdrawal"), PALETTE[3])):
        points = [(i, r[key]) for i, r in enumerate(rows) if r[key] is not None]
        if points:
            medians.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=label, color=colour)
    from_zero(medians, [r[k] or 0 for r in rows for k in ("median_hours_to_decision", "median_hours_to_withdrawal")])
    medians.set_ylabel(_("Median (hours)"))
    medians.set_xlabel(_("Month the notice was filed (UTC)"))
    if medians.get_lines():
        medians.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    x_labels(medians, months)
