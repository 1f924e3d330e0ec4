"""Operator dashboards: pages of plots, each plot as SVG and its rows as CSV. Staff with the role's permission
(accounts/roles.py), with 2FA when required."""


from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reelhouse.accounts.roles import DASHBOARD, REVENUE, staff_permission_required
from reelhouse.backoffice import figures
from reelhouse.core import clock
from reelhouse.core.http import csv_response


def _may_see(request, key: str) -> bool:
    return request.user.has_perm(REVENUE if key in figures.MONEY else DASHBOARD)


def _check(request, key: str, known) -> None:
    if key not in known:
        raise Http404(f"No dashboard figure {key!r}; try one of {', '.join(known)}.")
    if not _may_see(request, key):
        raise PermissionDenied(f"The figure {key!r} is a revenue figure; it needs the permission {REVENUE!r}.")


def _spec(request, key: str) -> figures.FigureSpec:
    _check(request, key, figures.FIGURES)
    return figures.FIGURES[key]


def _page(request, template: str, keys: list[str], heading: str):
    now = clock.now()
    items = []
    for key in [k for k in keys if _may_see(request, k)]:
        spec = figures.FIGURES[key]
        rows = spec.rows(now)
        items.append({"spec": spec, "rows": [list(r.values()) for r in rows], "columns": list(rows[0]) if rows else [],
                      "svg_url": reverse("backoffice:figure_svg", args=[key]),
                      "csv_url": reverse("backoffice:figure_csv", args=[key])})
    return render(request, template, {"figures": items, "heading": heading, "now": now})


@require_GET
@staff_permission_required(DASHBOARD)
def overview(request):
    return _page(request, "backoffice/dashboard.html", figures.OVERVIEW, _("Dashboard"))


@require_GET
@staff_permission_required(REVENUE)
def revenue(request):
    return _page(request, "backoffice/dashboard.html", figures.REVENUE, _("Revenue"))


@require_GET
@staff_permission_required(DASHBOARD)
def figure_svg(request, key: str):
    spec, now = _spec(request, key), clock.now()
    response = HttpResponse(figures.figure_svg(spec=spec, rows=spec.rows(now), now=now),
                            content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
@staff_permission_required(DASHBOARD)
def figure_csv(request, key: str):
    """The rows the plot draws, or a table's (figures.TABLES): the one CSV route of every report; money in integer
    minor units (cents), rates as fractions."""
    _check(request, key, [*figures.FIGURES, *figures.TABLES])
    rows = figures.FIGURES[key].rows if key in figures.FIGURES else figures.TABLES[key]
    return csv_response(rows(clock.now()), filename=f"reelhouse-{key}.csv")
