"""Subscriber pages of the catalog: home, series and film pages, search, A–Z listings, calendar, artwork."""


from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from reelhouse.catalog import selectors, services
from reelhouse.catalog.models import Genre, SearchEntry
from reelhouse.catalog.title_extras import title_extras
from reelhouse.core.http import safe_next, stored_file_response, stored_name_under

LISTING_KINDS = {"series": SearchEntry.Kind.SERIES, "films": SearchEntry.Kind.FILM}


def _int_param(request, name: str, default: int | None = None) -> int | None:
    """A positive integer query parameter; ValueError with a readable message when it is malformed."""
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        raise ValueError(f"'{name}' must be a whole number, got {raw[:40]!r}")
    return int(raw)


def home(request):
    if not request.user.is_authenticated:  # visitors see what Reelhouse is and costs
        return redirect("landing")
    return render(request, "catalog/home.html",
                  selectors.home_rows(profile=request.profile, country=request.user.country))


@login_required
def series_detail(request, slug: str):
    series = get_object_or_404(
        selectors.with_my_list(selectors.series_visible(request.profile, request.user.country),
                               profile=request.profile, field="series"),
        slug=slug)
    try:
        season = _int_param(request, "season")
        page = _int_param(request, "page", 1)
        context = selectors.series_page(series=series, profile=request.profile, season_number=season, page=page,
                                           country=request.user.country)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    except selectors.SeasonNotFound as exc:
        raise Http404(str(exc)) from exc
    context["facts"] = selectors.title_facts(title=series, country=request.user.country)
    context["leaving_on"] = selectors.title_leaving_on(profile=request.profile, country=request.user.country,
                                                       series=series)
    return render(request, "catalog/series_detail.html", context)


@login_required
@require_POST
def series_follow(request, slug: str):
    series = get_object_or_404(selectors.series_visible(request.profile, request.user.country), slug=slug)
    services.follow_set(profile=request.profile, series=series, following=request.POST.get("follow") == "1")
    return redirect("catalog:series", slug=series.slug)


@login_required
def film_detail(request, slug: str):
    film = get_object_or_404(
        selectors.with_my_list(selectors.films_visible(request.profile, request.user.country)
                               .select_related("licence"), profile=request.profile, field="film"),
        slug=slug)
    return render(request, "catalog/film_detail.html",
                  {"film": film, "in_list": film.in_list, **selectors.title_details(film=film, with_genres=False),
                   "facts": selectors.title_facts(title=film, country=request.user.country),
                   "leaving_on": selectors.title_leaving_on(profile=request.profile, country=request.user.country,
                                                            film=film),
                   "title_extras": title_extras(request=request, work=film)})


@login_required
@require_POST
def my_list_toggle(request, kind: str, slug: str):
    """Add a series or film to the profile's My List (listed=1) or take it off (listed=0)."""
    if kind == "series":
        title = get_object_or_404(selectors.series_visible(request.profile, request.user.country), slug=slug)
        services.my_list_set(profile=request.profile, series=title, listed=request.POST.get("listed") == "1")
    elif kind == "films":
        title = get_object_or_404(selectors.films_visible(request.profile, request.user.country), slug=slug)
        services.my_list_set(profile=request.profile, film=title, listed=request.POST.get("listed") == "1")
    else:
        raise Http404(f"no My List for {kind!r}")
    return redirect(safe_next(request, default=reverse("catalog:series" if kind == "series" else "catalog:film",
                                                       kwargs={"slug": slug})))


@login_required
@require_GET
def my_list_page(request):
    try:
        page = _int_param(request, "page", 1)
        page_obj, cards = selectors.my_list(profile=request.profile, page=page, country=request.user.country)
    except (ValueError, PageNotAnInteger) as exc:
        return HttpResponseBadRequest(str(exc))
    except EmptyPage as exc:
        raise Http404(f"page {page} is out of range") from exc
    return render(request, "catalog/my_list.html", {"page_obj": page_obj, "cards": cards})


@login_required
@require_GET
def genre_page(request, slug: str):
    genre = get_object_or_404(Genre, slug=slug)
    try:
        page = _int_param(request, "page", 1)
        page_obj, cards = selectors.genre_listing(genre=genre, page=page, profile=request.profile,
                                                        country=request.user.country)
    except (ValueError, PageNotAnInteger) as exc:
        return HttpResponseBadRequest(str(exc))
    except EmptyPage as exc:
        raise Http404(f"page {page} is out of range") from exc
    return render(request, "catalog/genre.html", {"genre": genre, "page_obj": page_obj, "cards": cards})


@login_required
@require_GET
def search_page(request):
    query = request.GET.get("q", "")
    results = selectors.catalog_search(query=query, profile=request.profile, country=request.user.country,
                                       limit=selectors.SEARCH_MAX)
    return render(request, "catalog/search.html", {"query": query, "results": results})


@login_required
@require_GET
def search_json(request):
    """As-you-type suggestions: {"query": ..., "results": [{kind, title, subtitle, url, year}]}."""
    try:
        limit = _int_param(request, "limit", 10)
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    results = selectors.catalog_search(query=request.GET.get("q", ""), profile=request.profile,
                                       country=request.user.country, limit=limit or 1)
    return JsonResponse({"query": request.GET.get("q", "")[:200], "results": [
        {"kind": r.kind, "title": r.title, "subtitle": r.subtitle, "url": r.url, "year": r.year} for r in results]})


@login_required
@require_GET
def browse(request, kind: str):
    if kind not in LISTING_KINDS:
        raise Http404(f"no listing of {kind!r}")
    letter = request.GET.get("letter", "").lower() or None
    if letter is not None and not (len(letter) == 1 and ((letter.isascii() and letter.isalpha()) or letter == "0")):
        return HttpResponseBadRequest(f"'letter' must be one letter a-z or 0 for digits, got {letter[:40]!r}")
    try:
        page = _int_param(request, "page", 1)
        page_obj, cards = selectors.az_listing(kind=LISTING_KINDS[kind], letter=letter, page=page,
                                               profile=request.profile, country=request.user.country)
    except (ValueError, PageNotAnInteger) as exc:
        return HttpResponseBadRequest(str(exc))
    except EmptyPage as exc:
        raise Http404(f"page {page} is out of range") from exc
    return render(request, "catalog/browse.html", {"kind": kind, "letter": letter, "page_obj": page_obj,
                                                   "cards": cards, "letters": "0abcdefghijklmnopqrstuvwxyz"})


@login_required
@require_GET
def calendar(request):
    return render(request, "catalog/calendar.html", {"episodes": selectors.calendar(profile=request.profile)})


@require_GET
def artwork(request, path: str):
    """Resized artwork (never originals), cached for a year: a changed image gets a new name."""
    name = stored_name_under("artwork", path, missing="no such image")
    return stored_file_response(name, content_type="image/webp" if name.endswith(".webp") else "image/jpeg",
                                cache_control="public, max-age=31536000, immutable", missing="no such image")
