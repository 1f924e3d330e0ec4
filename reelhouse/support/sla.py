"""Service levels: business time between two instants (business hours, working days, the operator's public holidays)
and each request's first-response and resolution timers against the targets of its priority. The resolution timer
pauses while the request waits on the subscriber."""

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass

import holidays

from reelhouse.core import clock
from reelhouse.support import conf


@functools.lru_cache(maxsize=8)
def _holidays(country: str, year: int) -> set[dt.date]:
    try:
        return set(holidays.country_holidays(country, years=year))
    except NotImplementedError:  # a country the library does not know: working days only
        return set()


def business_seconds(start: dt.datetime, end: dt.datetime) -> int:
    """Seconds of business time between two instants (0 when end is not after start)."""
    if end <= start:
        return 0
    tz = zoneinfo.ZoneInfo(conf.timezone_name())
    opens, closes = conf.business_hours()
    days, country = conf.business_days(), conf.holiday_country()
    start_local, end_local = start.astimezone(tz), end.astimezone(tz)
    total, day = 0.0, start_local.date()
    while day <= end_local.date():
        if day.weekday() in days and day not in _holidays(country, day.year):
            lo = max(dt.datetime.combine(day, opens, tz), start_local)
            hi = min(dt.datetime.combine(day, closes, tz), end_local)
            total += max(0.0, (hi - lo).total_seconds())
        day += dt.timedelta(days=1)
    return int(total)


@dataclass(frozen=True)
class Timers:
    first_response_s: int  # business seconds until the first reply (so far, while there is none)
    first_response_target_s: int
    resolution_s: int  # business seconds open, minus those spent waiting on the subscriber
    resolution_target_s: int
    paused: bool

    @property
    def first_response_h(self) -> float:
        return round(self.first_response_s / 3600, 1)

    @property
    def first_response_target_h(self) -> int:
        return self.first_response_target_s // 3600

    @property
    def resolution_h(self) -> float:
        return round(self.resolution_s / 3600, 1)

    @property
    def resolution_target_h(self) -> int:
        return self.resolution_target_s // 3600

    @property
    def first_response_breached(self) -> bool:
        return self.first_response_s > self.first_response_target_s

    @property
    def resolution_breached(self) -> bool:
        return self.resolution_s > self.resolution_target_s

    @property
    def breached(self) -> bool:
        return self.first_response_breached or self.resolution_breached


def timers(ticket, *, now: dt.datetime | None = None) -> Timers:
    now = now or clock.now()
    first_h, resolve_h = conf.SLA_HOURS[ticket.priority]
    responded = business_seconds(ticket.created_at, ticket.first_response_at or now)
    until = ticket.resolved_at if not ticket.is_open and ticket.resolved_at else now
    paused = ticket.paused_business_s + (business_seconds(ticket.paused_since, until) if ticket.paused_since else 0)
    open_s = max(0, business_seconds(ticket.created_at, until) - paused)
    return Timers(responded, first_h * 3600, open_s, resolve_h * 3600, ticket.paused_since is not None)
