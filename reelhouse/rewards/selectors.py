"""Rewards reads: balance (always derived from the ledger), history, rewards on offer."""

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reelhouse.rewards import conf
from reelhouse.rewards.models import Reward, StampAccount, StampEntry


def referral_code_of(*, user) -> str:
    """The account's referral code ('' only for an account whose stamp account is not made yet: every account gets
    one when it is created, see rewards.receivers.on_user_created)."""
    return StampAccount.objects.filter(user=user).values_list("referral_code", flat=True).first() or ""


def stamps_balance(*, user) -> int:
    return StampEntry.objects.filter(account__user=user).aggregate(total=Sum("delta"))["total"] or 0


@dataclass(frozen=True)
class StampLine:
    """One line of the stamps history as the subscriber reads it."""

    at: dt.datetime
    kind: str
    delta: int
    text: str


# The notes the earn rules write (services.py) stay in English, as operators read them in the admin; subscribers read
# them in their own language. Any other note (an operator's grant note, a reward's name, a receipt number) is data
# and is shown as written.
_NOTES = {
    StampEntry.Kind.PREPAID_BONUS: [(re.compile(r"(?P<months>\d+)-month prepaid term"),
                                     gettext_lazy("%(months)s-month prepaid term"))],
    StampEntry.Kind.REFERRAL: [(re.compile(r"friend joined (?P<date>\d{4}-\d{2}-\d{2})"),
                                gettext_lazy("a friend who joined on %(date)s")),
                               (re.compile(r"joined with a friend's code"),
                                gettext_lazy("you joined with a friend's code"))],
    StampEntry.Kind.CLAWBACK: [(re.compile(r"refund of (?P<number>.+)"), gettext_lazy("refund of %(number)s")),
                               (re.compile(r"chargeback of (?P<number>.+)"),
                                gettext_lazy("chargeback of %(number)s"))],
    StampEntry.Kind.REINSTATE: [(re.compile(r"dispute won on (?P<number>.+)"),
                                 gettext_lazy("dispute won on %(number)s"))],
    StampEntry.Kind.EXPIRE: [(re.compile(r"earned (?P<date>\d{4}-\d{2}-\d{2})"), gettext_lazy("earned %(date)s"))],
}


def _note_text(entry: StampEntry) -> str:
    for pattern, message in _NOTES.get(entry.kind, []):
        if match := pattern.fullmatch(entry.note):
            return str(message) % match.groupdict()
    return entry.note


def stamps_history(*, user, limit: int = 50) -> list[StampLine]:
    """The account's latest ledger entries, newest first, worded in the active language."""
    lines = []
    for entry in StampEntry.objects.filter(account__user=user).order_by("-at", "-id")[:limit]:
        label, note = entry.get_kind_display(), _note_text(entry)
        text = _("%(kind)s: %(note)s") % {"kind": label, "note": note} if note else label
        lines.append(StampLine(at=entry.at, kind=entry.kind, delta=entry.delta, text=text))
    return lines


def rewards_on_offer() -> list[Reward]:
    return list(Reward.objects.filter(is_active=True).order_by("cost"))


# Stamps given back after a won dispute are a new lot: they expire counting from the day they came back.
EARNED_KINDS = {StampEntry.Kind.PAYMENT, StampEntry.Kind.PREPAID_BONUS, StampEntry.Kind.REFERRAL,
                StampEntry.Kind.GRANT, StampEntry.Kind.REINSTATE}


def stamp_lots_left(*, account: StampAccount) -> list[tuple[StampEntry, int]]:
    """Each earning entry with what is left of it: spending, claw-backs and negative grants use the oldest stamps
    first (FIFO); an expiry uses up exactly the lot it names."""
    lots: list[list] = []  # [entry, left]
    by_pk: dict[int, list] = {}
    for entry in account.entries.order_by("at", "id"):
        if entry.delta > 0 and entry.kind in EARNED_KINDS:
            lot = [entry, entry.delta]
            lots.append(lot)
            by_pk[entry.pk] = lot
        elif entry.kind == StampEntry.Kind.EXPIRE and entry.source.startswith("expire:"):
            lot = by_pk.get(int(entry.source.split(":", 1)[1]))
            if lot is not None:
                lot[1] = max(lot[1] + entry.delta, 0)
        elif entry.delta < 0:
            due = -entry.delta
            for lot in lots:
                if due == 0:
                    break
                used = min(lot[1], due)
                lot[1] -= used
                due -= used
    return [(entry, left) for entry, left in lots if left > 0]


def stamps_next_expiry(*, user) -> tuple[int, dt.datetime] | None:
    """(stamps, when) of the next stamps to expire, if stamps expire here and any are left."""
    months = conf.expire_months()
    account = StampAccount.objects.filter(user=user).first()
    if not months or account is None:
        return None
    lots = stamp_lots_left(account=account)
    if not lots:
        return None
    first, _left = lots[0]
    when = first.at + relativedelta(months=months)
    return sum(left for entry, left in lots if entry.at + relativedelta(months=months) == when), when
