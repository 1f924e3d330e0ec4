"""How Reelhouse draws plots (the /ops dashboards, the public transparency report): matplotlib's object API on the
Agg backend, saved as SVG with text kept as text, one colour-blind-safe palette, cached in Django's cache per
(name, day, language, data) so the same rows on the same day are drawn once and new data is never hidden."""

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable

import matplotlib
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from matplotlib.figure import Figure

matplotlib.use("Agg")  # no display; Figure objects never touch pyplot's global state

# Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies, and on white.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
RC = {"svg.fonttype": "none",  # text stays text: searchable, selectable, readable by assistive tools
      "svg.hashsalt": "reelhouse", "font.size": 10, "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
      "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
      "axes.titleweight": "bold"}
CACHE_SECONDS = 2 * 24 * 3600


def empty(ax) -> None:
    ax.text(0.5, 0.5, _("No data yet"), ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


def x_labels(ax, labels: list[str], every: int = 1) -> None:
    ax.set_xticks(range(len(labels)), [t if i % every == 0 or i == len(labels) - 1 else "" for i, t in
                                       enumerate(labels)], rotation=45, ha="right")


def from_zero(ax, values, *, floor: float = 1.0) -> None:
    """Counts and money start at zero; an all-zero series still gets a sensible, non-negative scale."""
    ax.set_ylim(0, max([*values, 0]) * 1.15 or floor)


def plot_svg(*, name: str, title: str, rows: list[dict], now: dt.datetime, draw: Callable,
             height: float = 3.6) -> bytes:
    """`draw(fig, rows, now)` drawn as an SVG document with `title` (cached per name, day, language and data)."""
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:16]
    key = f"plots:svg:{name}:{now.astimezone(dt.UTC).date()}:{translation.get_language()}:{digest}"
    if (cached := cache.get(key)) is not None:
        return cached
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(8, height), layout="constrained")
        draw(fig, rows, now)
        fig.suptitle(str(title), fontweight="bold")
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Title": str(title)})
    svg = buf.getvalue()
    cache.set(key, svg, CACHE_SECONDS)
    return svg
