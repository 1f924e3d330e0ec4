"""Licence lifecycle: when licences end, who is warned, and what subscribers are told.

Operators: a licence that ends within one of REELHOUSE_LICENCE_WARN_DAYS (30 and 7 days by default) is listed in the
back office (/admin/rights/endinglicence/) and mailed, through the mail queue, to the rights & legal operators and
administrators by a periodic job, once per licence, threshold and end date. Subscribers: a title leaves on the day
the last licence it is available under in their territory ends; within REELHOUSE_LEAVING_SOON_DAYS it is in the
"Leaving soon" row and its page says "Leaving on <date>" (catalog asks the Q builders and `leaving_on` below)."""

import datetime as dt
import math

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from reelhouse.core import clock
from reelhouse.rights.models import WORLDWIDE, Licence, LicenceEndWarning

WARNED_ROLES = ("rights & legal", "administrator")


def warn_days() -> list[int]:
    """The thresholds in days, largest first."""
    return sorted({int(d) for d in settings.REELHOUSE_LICENCE_WARN_DAYS if int(d) > 0}, reverse=True)


def leaving_until(at: dt.datetime | None = None) -> dt.datetime:
    """The end of the "Leaving soon" window that starts at `at` (now)."""
    return (at or clock.now()) + dt.timedelta(days=settings.REELHOUSE_LEAVING_SOON_DAYS)


def _covers(country: str, lic: str) -> Q:
    """The licence (through `lic`) covers the viewer's country (as rule.viewer_country makes it; '': worldwide only).
    Withdrawals are not looked at here: the rows and pages that ask already show only what rule.shown allows."""
    key = f"{lic}__territory_key__contains"
    return Q(**{key: f",{WORLDWIDE},"}) | Q(**{key: f",{country},"}) if country else Q(**{key: f",{WORLDWIDE},"})


def licence_ends_by_q(*, country: str, until, prefix: str = "") -> Q:
    """Works (through `prefix`) under a licence covering `country` that ends at or before `until`."""
    lic = f"{prefix}licence"
    return _covers(country, lic) & Q(**{f"{lic}__ends_at__lte": until})


def licence_continues_q(*, country: str, until, prefix: str = "") -> Q:
    """Works under a licence covering `country` that is open-ended or ends after `until` (they keep a title on)."""
    lic = f"{prefix}licence"
    return _covers(country, lic) & (Q(**{f"{lic}__ends_at__isnull": True}) | Q(**{f"{lic}__ends_at__gt": until}))


def leaving_on(ends: list[dt.datetime | None], *, at: dt.datetime | None = None) -> dt.datetime | None:
    """When a title leaves, given the end of each licence it is available under in the viewer's territory now: the
    last of them, if all end and that is within the "Leaving soon" window; else None (it stays, or is not shown)."""
    at = at or clock.now()
    if not ends or any(e is None for e in ends):
        return None
    last = max(ends)
    return last if at < last <= leaving_until(at) else None


def licences_ending(*, at: dt.datetime | None = None) -> QuerySet:
    """Licences that end within the largest warning threshold, soonest first."""
    at = at or clock.now()
    days = warn_days()
    if not days:
        return Licence.objects.none()
    return (Licence.objects.filter(ends_at__gt=at, ends_at__lte=at + dt.timedelta(days=days[0]))
            .select_related("licensor").order_by("ends_at"))


def operators_to_warn() -> list:
    """Active staff with an address who hold the rights & legal or administrator role, and superusers."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    return list(users.filter(Q(is_superuser=True) | Q(groups__name__in=WARNED_ROLES)).distinct().order_by("pk"))


def _mail_text(warned: list[tuple[Licence, int]], at: dt.datetime) -> str:
    lines = ["These licences end soon. Works delivered under them leave the catalogue in their territories when",
             "they end, unless the licence is extended or a new one covers them:", ""]
    for licence, _days in warned:
        left = math.ceil((licence.ends_at - at).total_seconds() / 86400)
        lines += [f"- {licence.licensor.name}: {licence.name} ends {licence.ends_at:%Y-%m-%d %H:%M} UTC "
                  f"(in {left} days), territories {licence.territories}, {licence.works.count()} works",
                  f"  {settings.SITE_URL}/admin/rights/licence/{licence.pk}/change/"]
    lines += ["", f"All licences ending soon: {settings.SITE_URL}/admin/rights/endinglicence/"]
    return "\n".join(lines) + "\n"


def licence_end_warnings_send(*, at: dt.datetime | None = None) -> list[LicenceEndWarning]:
    """Warn operators of each licence that crossed a threshold since the last run, once per licence, threshold and
    end date (the larger thresholds it already passed are marked as warned with it). One mail per operator."""
    from reelhouse.core.mailing import mail_queue

    at = at or clock.now()
    warned: list[tuple[Licence, int]] = []
    records = []
    for licence in licences_ending(at=at):
        crossed = [d for d in warn_days() if licence.ends_at - at <= dt.timedelta(days=d)]
        if LicenceEndWarning.objects.filter(licence=licence, days=crossed[-1], ends_at=licence.ends_at).exists():
            continue
        try:
            with transaction.atomic():
                record = LicenceEndWarning.objects.create(licence=licence, days=crossed[-1], ends_at=licence.ends_at,
                                                          sent_at=at)
                for d in crossed[:-1]:
                    LicenceEndWarning.objects.get_or_create(licence=licence, days=d, ends_at=licence.ends_at,
                                                            defaults={"sent_at": at})
        except IntegrityError:  # a concurrent run warned first
            continue
        warned.append((licence, crossed[-1]))
        records.append(record)
    if not warned:
        return []
    operators = operators_to_warn()
    subject = (f"Licence ending: {warned[0][0]} on {warned[0][0].ends_at:%Y-%m-%d}" if len(warned) == 1
               else f"{len(warned)} licences end soon")
    text = _mail_text(warned, at)
    for user in operators:
        mail_queue(to=user.email, subject=subject, text=text, user=user)
    LicenceEndWarning.objects.filter(pk__in=[r.pk for r in records]).update(recipients=len(operators))
    return records
