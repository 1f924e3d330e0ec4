"""Rewards reads: balance (always derived from the ledger), history, rewards on offer."""

from django.db.models import Sum

from reelhouse.rewards.models import Reward, StampEntry


def stamps_balance(*, user) -> int:
    return StampEntry.objects.filter(account__user=user).aggregate(total=Sum("delta"))["total"] or 0


def stamps_history(*, user, limit: int = 50) -> list[StampEntry]:
    return list(StampEntry.objects.filter(account__user=user).order_by("-at", "-id")[:limit])


def rewards_on_offer() -> list[Reward]:
    return list(Reward.objects.filter(is_active=True).order_by("cost"))
