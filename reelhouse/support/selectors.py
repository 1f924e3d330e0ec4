"""Reads of the support desk: the agents' queue, one request's thread, and the subscriber's context beside it
(plan and state, recent payments, devices and streams, recent playback errors; never card data)."""

import datetime as dt
from dataclasses import dataclass

from babel.dates import format_date
from django.db.models import Q, QuerySet

from reelhouse.accounts.models import Device
from reelhouse.billing.formatting import money_format
from reelhouse.billing.selectors import payments_of, subscription_latest
from reelhouse.core import clock
from reelhouse.playback.selectors import device_label, playback_errors_recent, sessions_live
from reelhouse.support import sla
from reelhouse.support.models import CannedReply, Message, Ticket

S = Ticket.State
QUEUES = {  # the queue's tabs: name -> filter
    "open": Q(state__in=[S.NEW, S.OPEN, S.WAITING_US]),
    "waiting": Q(state=S.WAITING_SUBSCRIBER),
    "resolved": Q(state__in=[S.RESOLVED, S.CLOSED]),
    "all": Q(),
}
PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


@dataclass
class QueueRow:
    ticket: Ticket
    timers: sla.Timers


def queue(*, tab: str = "open", agent=None, mine: bool = False, unassigned: bool = False,
          now: dt.datetime | None = None) -> list[QueueRow]:
    """Requests of one tab, the most urgent first (priority, then the oldest), each with its SLA timers."""
    tickets = Ticket.objects.filter(QUEUES.get(tab, QUEUES["open"])).select_related("assignee", "user")
    if mine and agent is not None:
        tickets = tickets.filter(assignee=agent)
    if unassigned:
        tickets = tickets.filter(assignee__isnull=True)
    now = now or clock.now()
    rows = [QueueRow(t, sla.timers(t, now=now)) for t in tickets[:500]]
    rows.sort(key=lambda r: (PRIORITY_ORDER[r.ticket.priority], r.ticket.created_at))
    return rows


def tickets_of(*, user) -> QuerySet[Ticket]:
    return Ticket.objects.filter(user=user).order_by("-created_at")


def thread(*, ticket: Ticket, with_notes: bool) -> list[Message]:
    messages = ticket.messages.select_related("author").prefetch_related("attachments")
    if not with_notes:
        messages = messages.exclude(kind=Message.Kind.NOTE)
    return list(messages)


def canned_keys() -> list[tuple[str, str]]:
    """(key, title) of each canned reply, the English title when there is one."""
    titles: dict[str, str] = {}
    for reply in CannedReply.objects.order_by("key", "language"):
        if reply.language == "en" or reply.key not in titles:
            titles[reply.key] = reply.title
    return sorted(titles.items())


def placeholder_values(*, ticket: Ticket) -> dict[str, str]:
    """What {name}, {plan} and {renewal_date} become in a canned reply to this requester."""
    user = ticket.user
    name = ticket.name or (getattr(user, "display_name", "") if user else "") or ticket.email.split("@")[0]
    values = {"name": name, "plan": "", "renewal_date": ""}
    subscription = subscription_latest(user=user) if user else None
    if subscription is not None:
        values["plan"] = subscription.plan.name
        values["renewal_date"] = format_date(subscription.current_period_end.date(), format="long",
                                             locale=ticket.language)
    return values


def subscriber_context(*, ticket: Ticket) -> dict:
    """What an agent sees beside the request. Card data is never read: payments show amount, state and receipt."""
    user = ticket.user
    if user is None:
        return {"visitor": True}
    subscription = subscription_latest(user=user)
    payments = [{"number": p.number, "paid_at": p.paid_at, "state": p.get_state_display(),
                 "amount": money_format(p.amount_minor, p.currency, language=ticket.language),
                 "refunded": p.refunded_minor > 0} for p in payments_of(user=user, limit=5)]
    devices = [device_label(d.name) for d in Device.objects.filter(user=user, revoked_at__isnull=True)[:10]]
    streams = [(device_label(s.device), s.profile.name, s.work.title) for s in sessions_live(user=user)]
    errors = playback_errors_recent(user=user, limit=8)
    return {"visitor": False, "account": user, "subscription": subscription, "payments": payments,
            "devices": devices, "streams": streams, "errors": errors,
            "other_tickets": Ticket.objects.filter(user=user).exclude(pk=ticket.pk).order_by("-created_at")[:5]}
