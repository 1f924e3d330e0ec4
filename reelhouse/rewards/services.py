"""Rewards writes: earn, grant, redeem and claw back stamps; referrals. Every change is a new ledger entry."""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import Sum

from reelhouse.billing.services import access_extend, person_key
from reelhouse.core import clock
from reelhouse.core.services import audit_record
from reelhouse.rewards import conf
from reelhouse.rewards.models import Referral, Reward, StampAccount, StampEntry

REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class RewardsError(Exception):
    """A stamps or referral request that cannot be honoured; the message says why."""


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
    """Add one entry; None when an entry for the same (kind, source) exists, so earn rules apply once."""
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


@transaction.atomic
def stamps_clawback_for_payment(*, payment) -> StampEntry | None:
    """Take back the stamps a refunded payment earned, in proportion to the amount refunded; never below zero."""
    account = _locked_account(payment.user)
    source = f"payment:{payment.pk}"
    earned = (account.entries.filter(source=source, kind__in=[StampEntry.Kind.PAYMENT, StampEntry.Kind.PREPAID_BONUS])
              .aggregate(total=Sum("delta"))["total"] or 0)
    if not earned or not payment.amount_minor:
        return None
    due = earned * payment.refunded_minor // payment.amount_minor
    taken = -(account.entries.filter(kind=StampEntry.Kind.CLAWBACK, source__startswith=source + ":")
              .aggregate(total=Sum("delta"))["total"] or 0)
    amount = min(due - taken, _balance(account))  # stamps already spent cannot be taken twice
    if amount <= 0:
        return None
    return _append(account=account, kind=StampEntry.Kind.CLAWBACK, delta=-amount,
                   source=f"{source}:{payment.refunded_minor}", note=f"refund of {payment.number}")


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


@transaction.atomic
def stamps_redeem(*, user, reward: Reward) -> StampEntry:
    """Spend stamps on a reward. The account row lock makes concurrent redemptions queue, so none overdraws."""
    if not reward.is_active:
        raise RewardsError(f"The reward {reward.name} is no longer offered.")
    account = _locked_account(user)
    balance = _balance(account)
    if balance < reward.cost:
        raise RewardsError(f"{reward.name} costs {reward.cost} stamps and you have {balance}.")
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
        raise RewardsError(f"There is no referral code {code.strip()!r}.")
    referrer = account.user
    if referrer.pk == referee.pk or person_key(referrer.email) == person_key(referee.email):
        raise RewardsError("You cannot refer yourself.")
    if referee.payments.exists():
        raise RewardsError("Referral codes are for new subscribers, before their first payment.")
    if Referral.objects.filter(referee=referee).exists():
        raise RewardsError("This account has already been referred.")
    return Referral.objects.create(referrer=referrer, referee=referee)


@transaction.atomic
def referral_reward(*, referee) -> bool:
    """After the referee's first payment, both sides get REFERRAL_STAMPS (once)."""
    referral = Referral.objects.select_for_update().filter(referee=referee, rewarded_at__isnull=True).first()
    if referral is None:
        return False
    referral.rewarded_at = clock.now()
    referral.save(update_fields=["rewarded_at"])
    source = f"referral:{referral.pk}"
    for user in (referral.referrer, referral.referee):
        _append(account=_locked_account(user), kind=StampEntry.Kind.REFERRAL, delta=conf.REFERRAL_STAMPS,
                source=source, note=f"referral of {referral.referee.email}")
    return True
