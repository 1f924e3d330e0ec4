"""Subscriber pages of the catalog: home, series and film pages, artwork."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from reelhouse.catalog import selectors


@login_required
def home(request):
    return render(request, "catalog/home.html", selectors.home_rows(profile=request.profile))


@login_required
def series_detail(request, slug: str):
    series = get_object_or_404(selectors.series_visible(), slug=slug)
    return render(request, "catalog/series_detail.html", selectors.series_page(series=series, profile=request.profile))


@login_required
def film_detail(request, slug: str):
    film = get_object_or_404(selectors.films_visible(), slug=slug)
    return render(request, "catalog/film_detail.html", {"film": film})


@require_GET
def artwork(request, path: str):
    """Resized artwork (never originals), cached for a year: a changed image gets a new name."""
    base = (Path(settings.MEDIA_ROOT) / "artwork").resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise Http404("no such image")
    response = FileResponse(target.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
