"""Operator pages for series tracking: Missing (aired, undelivered) per licensor and the upcoming calendar,
each also as an iCal feed. Staff only."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import render

from reelhouse.core import clock
from reelhouse.ingest import ical, selectors


def _event(episode, prefix: str) -> ical.AllDayEvent:
    return ical.AllDayEvent(
        uid=f"{prefix}-{episode.pk}@reelhouse", day=episode.air_date,
        summary=f"{episode.series.title} {episode.code} {episode.title}",
        description=f"state: {selectors.episode_state(episode)}; licensor: "
                    f"{episode.licence.licensor.name if episode.licence_id else 'none'}")


def _ics(name: str, events: list) -> HttpResponse:
    body = ical.calendar(name=name, events=events, stamp=clock.now())
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@staff_member_required
def missing(request):
    return render(request, "ingest/missing.html", {"groups": selectors.missing_by_licensor()})


@staff_member_required
def missing_ics(request):
    return _ics("Reelhouse: missing episodes", [_event(e, "missing") for e in selectors.episodes_missing()])


@staff_member_required
def calendar(request):
    episodes = [(e, selectors.episode_state(e)) for e in selectors.episodes_upcoming()]
    return render(request, "ingest/calendar.html", {"episodes": episodes})


@staff_member_required
def calendar_ics(request):
    return _ics("Reelhouse: upcoming episodes", [_event(e, "airs") for e in selectors.episodes_upcoming()])
