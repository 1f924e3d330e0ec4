"""Operator dashboards: pages of plots, each plot as SVG and its rows as CSV. Staff only, with 2FA when required."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reelhouse.backoffice import figures
from reelhouse.core import clock
from reelhouse.core.http import csv_response


def operator_required(view):
    """Signed in and staff; the second sign-in step is StaffTwoFactorMiddleware's, as for the admin."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied("The dashboards are for operators (staff accounts) only.")
        return view(request, *args, **kwargs)

    return wrapped


def _spec(key: str) -> figures.FigureSpec:
    if key not in figures.FIGURES:
        raise Http404(f"No dashboard figure {key!r}; try one of {', '.join(figures.FIGURES)}.")
    return figures.FIGURES[key]


def _page(request, template: str, keys: list[str], heading: str):
    now = clock.now()
    items = []
    for key in keys:
        spec = figures.FIGURES[key]
        rows = spec.rows(now)
        items.append({"spec": spec, "rows": [list(r.values()) for r in rows], "columns": list(rows[0]) if rows else [],
                      "svg_url": reverse("backoffice:figure_svg", args=[key]),
                      "csv_url": reverse("backoffice:figure_csv", args=[key])})
    return render(request, template, {"figures": items, "heading": heading, "now": now})


@require_GET
@operator_required
def overview(request):
    return _page(request, "backoffice/dashboard.html", figures.OVERVIEW, _("Dashboard"))


@require_GET
@operator_required
def revenue(request):
    return _page(request, "backoffice/dashboard.html", figures.REVENUE, _("Revenue"))


@require_GET
@operator_required
def figure_svg(request, key: str):
    spec, now = _spec(key), clock.now()
    response = HttpResponse(figures.figure_svg(spec=spec, rows=spec.rows(now), now=now),
                            content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
@operator_required
def figure_csv(request, key: str):
    """The rows the plot draws; money in integer minor units (cents), rates as fractions."""
    return csv_response(_spec(key).rows(clock.now()), filename=f"reelhouse-{key}.csv")
