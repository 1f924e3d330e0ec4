"""Rewards writes: earn, grant, redeem and claw back stamps; referrals. Every change is a new ledger entry."""

import secrets

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reelhouse.billing.services import access_extend, person_key
from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.rewards import conf
from reelhouse.rewards.models import Referral, Reward, StampAccount, StampEntry
from reelhouse.rewards.selectors import EARNED_KINDS, stamp_lots_left

REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class RewardsError(Exception):
    """A stamps or referral request that cannot be honoured; the message says why, in the language active when it
    is raised (the request's)."""


def stamp_account_ensure(*, user) -> StampAccount:
    account = StampAccount.objects.filter(user=user).first()
    if account is not None:
        return account
    code = "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(conf.REFERRAL_CODE_LENGTH))
    try:
        with transaction.atomic():
            return StampAccount.objects.create(user=user, referral_code=code)
    except IntegrityError:  # created meanwhile by a concurrent request
        return StampAccount.objects.get(user=user)


def _locked_account(user) -> StampAccount:
    stamp_account_ensure(user=user)
    return StampAccount.objects.select_for_update().get(user=user)


def _balance(account: StampAccount) -> int:
    return account.entries.aggregate(total=Sum("delta"))["total"] or 0


def _append(*, account: StampAccount, kind: str, delta: int, source: str = "", note: str = "",
            actor=None) -> StampEntry | None:
    """Add one entry; None when an entry for the same (kind, source) exists, so earn rules apply once. The notes
    written here are English; selectors._NOTES words them in the subscriber's language, so change both together."""
    try:
        with transaction.atomic():
            return StampEntry.objects.create(account=account, kind=kind, delta=delta, source=source, note=note,
                                             actor=actor if getattr(actor, "pk", None) else None)
    except IntegrityError:
        if source and StampEntry.objects.filter(account=account, kind=kind, source=source).exists():
            return None
        raise


@transaction.atomic
def stamps_earn_for_payment(*, payment) -> list[StampEntry]:
    """1 stamp per paid month, plus the prepaid-term bonus (idempotent per payment)."""
    if payment.amount_minor <= 0 or payment.months <= 0:  # free, or a proration that bought no time
        return []
    account = _locked_account(payment.user)
    source = f"payment:{payment.pk}"
    entries = [_append(account=account, kind=StampEntry.Kind.PAYMENT, delta=payment.months * conf.STAMPS_PER_PAID_MONTH,
                       source=source, note=payment.number)]
    if bonus := conf.PREPAID_BONUS.get(payment.months, 0):
        entries.append(_append(account=account, kind=StampEntry.Kind.PREPAID_BONUS, delta=bonus, source=source,
                               note=f"{payment.months}-month prepaid term"))
    return [e for e in entries if e is not None]


def _sum(account: StampAccount, kind: str, source: str) -> int:
    """The stamps `kind` entries moved for `source` ("payment:42"), whatever level or dispute each was for."""
    return (account.entries.filter(kind=kind, source__startswith=source + ":")
            .aggregate(total=Sum("delta"))["total"] or 0)


def _due_and_taken(*, account: StampAccount, source: str, kinds: list[str], payment) -> tuple[int, int]:
    """What should be clawed back of the stamps `source` earned on `account` (in proportion to the share of
    `payment` refunded now), and what is clawed back (claw-backs less what won disputes gave back)."""
    earned = (account.entries.filter(source=source, kind__in=kinds).aggregate(total=Sum("delta"))["total"] or 0)
    due = earned * payment.refunded_minor // payment.amount_minor if earned and payment.amount_minor else 0
    return due, -_sum(account, StampEntry.Kind.CLAWBACK, source) - _sum(account, StampEntry.Kind.REINSTATE, source)


def _clawback(*, account: StampAccount, source: str, kinds: list[str], payment) -> StampEntry | None:
    """Take back the stamps `source` earned on `account`, in proportion to the share of `payment` refunded; what
    was taken before counts, and stamps already spent cannot be taken (the balance never goes below zero)."""
    due, taken = _due_and_taken(account=account, source=source, kinds=kinds, payment=payment)
    amount = min(due - taken, _balance(account))
    if amount <= 0:
        return None
    what = "chargeback" if payment.state == "disputed" else "refund"
    # The refunded level names the claw-back; after a reversal the same level can be reached again, so the count of
    # reversals so far keeps the name new.
    reversals = account.entries.filter(kind=StampEntry.Kind.REINSTATE, source__startswith=source + ":").count()
    level = f"{payment.refunded_minor}:{reversals}" if reversals else f"{payment.refunded_minor}"
    return _append(account=account, kind=StampEntry.Kind.CLAWBACK, delta=-amount, source=f"{source}:{level}",
                   note=f"{what} of {payment.number}")


def _payment_sources(payment) -> list[tuple[StampAccount, str, list[str]]]:
    """(account, source, kinds) of every stamp the payment earned: its own (paid months, prepaid bonus) and, when it
    was a referee's first payment, both sides' referral stamps. The payer's account is locked first, then the
    referral's two in a fixed order (by user id), so two claw-backs or reversals cannot deadlock each other."""
    sources = [(_locked_account(payment.user), f"payment:{payment.pk}",
                [StampEntry.Kind.PAYMENT, StampEntry.Kind.PREPAID_BONUS])]
    referral = Referral.objects.select_related("referrer", "referee").filter(payment=payment).first()
    if referral is not None:
        for user in sorted((referral.referrer, referral.referee), key=lambda u: u.pk):
            sources.append((_locked_account(user), f"referral:{referral.pk}", [StampEntry.Kind.REFERRAL]))
    return sources


@transaction.atomic
def stamps_clawback_for_payment(*, payment) -> list[StampEntry]:
    """A refund or chargeback takes back what the payment earned, in proportion to the amount refunded: its own
    stamps (paid months, prepaid bonus) and, when it was a referee's first payment, both sides' referral stamps."""
    entries = [_clawback(account=account, source=source, kinds=kinds, payment=payment)
               for account, source, kinds in _payment_sources(payment)]
    return [e for e in entries if e is not None]


def _reinstate(*, account: StampAccount, source: str, kinds: list[str], payment, dispute) -> StampEntry | None:
    """Give back what was clawed back for `source` beyond the share of `payment` still refunded: after a won
    dispute, what its chargeback took. The entry is named after the dispute, so it is added once."""
    due, taken = _due_and_taken(account=account, source=source, kinds=kinds, payment=payment)
    if taken <= due:
        return None
    return _append(account=account, kind=StampEntry.Kind.REINSTATE, delta=taken - due,
                   source=f"{source}:dispute:{dispute.pk}", note=f"dispute won on {payment.number}")


@transaction.atomic
def stamps_reinstate_for_dispute(*, payment, dispute) -> list[StampEntry]:
    """A won dispute: the stamps its chargeback clawed back come back, once (the ledger gains a compensating entry
    per account and source; the claw-back entries stay)."""
    payment.refresh_from_db(fields=["refunded_minor", "state"])
    entries = [_reinstate(account=account, source=source, kinds=kinds, payment=payment, dispute=dispute)
               for account, source, kinds in _payment_sources(payment)]
    for entry in entries:
        if entry is not None:
            audit_record(action="stamps.reinstated", subject=entry, amount=entry.delta,
                         dispute=dispute.stripe_dispute_id)
    return [e for e in entries if e is not None]


@transaction.atomic
def stamps_grant(*, user, amount: int, note: str, actor=None) -> StampEntry:
    """An operator adds (or, negative, corrects) stamps; a correction cannot take the balance below zero."""
    if amount == 0:
        raise RewardsError("A grant of 0 stamps changes nothing.")
    account = _locked_account(user)
    if amount < 0 and _balance(account) + amount < 0:
        raise RewardsError(f"{user} has {_balance(account)} stamps; cannot remove {-amount}.")
    entry = _append(account=account, kind=StampEntry.Kind.GRANT, delta=amount, note=note, actor=actor)
    audit_record(action="stamps.granted", subject=entry, actor=actor, amount=amount)
    return entry


def stamps_redeem(*, user, reward: Reward) -> StampEntry:
    """Spend stamps on a reward. The account row lock makes concurrent redemptions queue, so none overdraws;
    stamps past their expiry are expired first (and stay expired when the redemption is refused)."""
    if not reward.is_active:
        raise RewardsError(_("The reward %(reward)s is no longer offered.") % {"reward": reward.name})
    if conf.expire_months():
        with transaction.atomic():
            _expire_account(account=_locked_account(user), now=clock.now())
    return _redeem(user=user, reward=reward)


@transaction.atomic
def _redeem(*, user, reward: Reward) -> StampEntry:
    account = _locked_account(user)
    balance = _balance(account)
    if balance < reward.cost:
        raise RewardsError(ngettext("%(reward)s costs %(cost)d stamp and you have %(balance)d.",
                                    "%(reward)s costs %(cost)d stamps and you have %(balance)d.", reward.cost)
                           % {"reward": reward.name, "cost": reward.cost, "balance": balance})
    entry = _append(account=account, kind=StampEntry.Kind.REDEEM, delta=-reward.cost, note=reward.name, actor=user)
    access_extend(user=user, months=reward.months, reason=f"stamps: {reward.code}", actor=user)
    audit_record(action="stamps.redeemed", subject=entry, actor=user, reward=reward.code)
    return entry


def rewards_ensure() -> list[Reward]:
    return [Reward.objects.get_or_create(code=spec["code"], defaults=spec)[0] for spec in conf.DEFAULT_REWARDS]


@transaction.atomic
def referral_record(*, referee, code: str) -> Referral:
    """Note who referred a new subscriber (before their first payment); refuses self-referral."""
    account = StampAccount.objects.select_related("user").filter(referral_code=code.strip().upper()).first()
    if account is None:
        raise RewardsError(_("There is no referral code '%(code)s'.") % {"code": code.strip()})
    referrer = account.user
    if referrer.pk == referee.pk or person_key(referrer.email) == person_key(referee.email):
        raise RewardsError(_("You cannot refer yourself."))
    if referee.payments.exists():
        raise RewardsError(_("Referral codes are for new subscribers, before their first payment."))
    if Referral.objects.filter(referee=referee).exists():
        raise RewardsError(_("This account has already been referred."))
    return Referral.objects.create(referrer=referrer, referee=referee)


@transaction.atomic
def referral_reward(*, referee, payment=None) -> bool:
    """After the referee's first payment, both sides get REFERRAL_STAMPS (once); refunding that payment takes
    them back."""
    referral = Referral.objects.select_for_update().filter(referee=referee, rewarded_at__isnull=True).first()
    if referral is None:
        return False
    if payment is not None and not payment.amount_minor:
        return False  # a free (100 % coupon) first payment earns nobody stamps
    referral.rewarded_at, referral.payment = clock.now(), payment
    referral.save(update_fields=["rewarded_at", "payment"])
    source = f"referral:{referral.pk}"
    # Neither side's ledger names the other person: the referrer sees when a friend joined, never their address.
    notes = {referral.referrer.pk: f"friend joined {referral.referee.date_joined.date().isoformat()}",
             referral.referee.pk: "joined with a friend's code"}
    for user in sorted((referral.referrer, referral.referee), key=lambda u: u.pk):
        _append(account=_locked_account(user), kind=StampEntry.Kind.REFERRAL, delta=conf.REFERRAL_STAMPS,
                source=source, note=notes[user.pk])
    return True


# --- expiry -----------------------------------------------------------------------------------------------------

def _expire_account(*, account: StampAccount, now) -> list[StampEntry]:
    """Append an EXPIRE entry for every lot earned more than expire_months() ago with stamps left (call with the
    account row locked). Each lot expires once: its entry's source is unique per account."""
    months = conf.expire_months()
    if not months:
        return []
    cutoff = now - relativedelta(months=months)
    balance = _balance(account)
    entries = []
    for lot, left in stamp_lots_left(account=account):
        if lot.at > cutoff or balance <= 0:
            continue
        amount = min(left, balance)
        entry = _append(account=account, kind=StampEntry.Kind.EXPIRE, delta=-amount, source=f"expire:{lot.pk}",
                        note=f"earned {lot.at:%Y-%m-%d}")
        if entry is not None:
            balance -= amount
            entries.append(entry)
    return entries


def stamps_expire(*, now=None) -> int:
    """The expiry job (daily): stamps earned more than REELHOUSE_STAMPS_EXPIRE_MONTHS ago and not spent expire,
    oldest first. Safe to run twice or on several machines at once; returns the stamps expired."""
    months = conf.expire_months()
    if not months:
        return 0
    now = now or clock.now()
    cutoff = now - relativedelta(months=months)
    account_ids = (StampEntry.objects.filter(delta__gt=0, kind__in=EARNED_KINDS, at__lte=cutoff)
                   .values_list("account_id", flat=True).distinct().order_by("account_id"))
    expired = 0
    for account_id in list(account_ids):
        with transaction.atomic():
            account = StampAccount.objects.select_for_update().get(pk=account_id)
            entries = _expire_account(account=account, now=now)
        expired -= sum(e.delta for e in entries)
        for e in entries:
            audit_record(action="stamps.expired", subject=e, amount=-e.delta)
    return expired
