"""Operator pages for series tracking: Missing (aired, undelivered) per licensor and the upcoming calendar,
each also as an iCal feed. Staff only: in the browser by session, in calendar apps by a private per-person link
(token in the path, stored hashed, revocable). And a work's provenance (rights.provenance)."""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from reelhouse.accounts.roles import OPS_INGEST, PROVENANCE, staff_permission_required
from reelhouse.core import clock
from reelhouse.ingest import ical, selectors, services
from reelhouse.ingest.models import CalendarToken
from reelhouse.rights.provenance import ProvenanceError, work_provenance


def _event(episode, prefix: str) -> ical.AllDayEvent:
    return ical.AllDayEvent(
        uid=f"{prefix}-{episode.pk}@reelhouse", day=episode.air_date,
        summary=f"{episode.series.title} {episode.code} {episode.title}",
        description=f"state: {selectors.episode_state(episode)}; licensor: "
                    f"{episode.licence.licensor.name if episode.licence_id else 'none'}")


def _ics(name: str, events: list) -> HttpResponse:
    body = ical.calendar(name=name, events=events, stamp=clock.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"  # the link is the credential
    return response


def _missing_feed() -> HttpResponse:
    return _ics("Reelhouse: missing episodes", [_event(e, "missing") for e in selectors.episodes_missing()])


def _upcoming_feed() -> HttpResponse:
    return _ics("Reelhouse: upcoming episodes", [_event(e, "airs") for e in selectors.episodes_upcoming()])


def _token_user(token: str):
    user = services.calendar_token_use(raw=token)
    if user is None:
        raise Http404("unknown or revoked calendar link")  # the same answer for both: nothing to probe
    return user


@staff_permission_required(OPS_INGEST)
def missing(request):
    return render(request, "ingest/missing.html", {"groups": selectors.missing_by_licensor()})


@staff_permission_required(OPS_INGEST)
def missing_ics(request):
    return _missing_feed()


def missing_ics_link(request, token):
    _token_user(token)
    return _missing_feed()


@staff_permission_required(OPS_INGEST)
def calendar(request):
    episodes = [(e, selectors.episode_state(e)) for e in selectors.episodes_upcoming()]
    return render(request, "ingest/calendar.html", {"episodes": episodes})


@staff_permission_required(OPS_INGEST)
def calendar_ics(request):
    return _upcoming_feed()


def calendar_ics_link(request, token):
    _token_user(token)
    return _upcoming_feed()


@staff_permission_required(OPS_INGEST)
def calendar_links(request):
    """The signed-in person's private iCal links: make one (shown once), see when each was last used, revoke."""
    created = None
    if request.method == "POST":
        token, raw = services.calendar_token_create(user=request.user, label=request.POST.get("label", ""))
        created = {"token": token, **{
            name: request.build_absolute_uri(reverse(f"ingest:{name}_ics_link", args=[raw]))
            for name in ("missing", "calendar")}}
    links = CalendarToken.objects.filter(user=request.user)
    response = render(request, "ingest/calendar_links.html", {"links": links, "created": created})
    response["Cache-Control"] = "no-store"  # a page showing a new link once must not be cached
    return response


@staff_permission_required(OPS_INGEST)
@require_POST
def calendar_link_revoke(request, pk):
    services.calendar_token_revoke(token=get_object_or_404(CalendarToken, pk=pk, user=request.user),
                                   actor=request.user)
    return redirect("ingest:calendar_links")


@staff_permission_required(PROVENANCE)
def provenance(request):
    """A work's provenance (rights.provenance): ?work=<id>; without one, the form that asks for it."""
    raw = request.GET.get("work", "").strip()
    context = {"work_id": raw, "record": None, "error": ""}
    if raw:
        if not raw.isdigit() or len(raw) > 12:
            context["error"] = f"{raw[:40]!r} is not a work id: give the number in /watch/<id>/"
        else:
            try:
                context["record"] = work_provenance(int(raw))
            except ProvenanceError as exc:
                context["error"] = str(exc)
        if context["record"] is not None:
            context["json"] = json.dumps(context["record"], indent=2, ensure_ascii=False)
    return render(request, "ingest/provenance.html", context, status=404 if context["error"] and raw.isdigit()
                  else 400 if context["error"] else 200)
