"""Rewards: an append-only stamps ledger per account, the rewards stamps buy, and referrals."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reelhouse.core import clock


class StampAccount(models.Model):
    """One per user: the row locked while a redemption checks the balance, so concurrent ones cannot overdraw."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, related_name="stamp_account", on_delete=models.CASCADE)
    referral_code = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"stamps of {self.user}"


class StampEntry(models.Model):
    """One line of the ledger. Never updated or deleted; the balance is the sum of `delta`."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Paid month")
        PREPAID_BONUS = "bonus", _("Prepaid bonus")
        REFERRAL = "referral", _("Referral")
        GRANT = "grant", _("Granted by the operator")
        REDEEM = "redeem", _("Redeemed")
        CLAWBACK = "clawback", _("Refund claw-back")
        REINSTATE = "reinstate", _("Chargeback reversed")  # a won dispute gives back what its chargeback clawed back
        EXPIRE = "expire", pgettext_lazy("stamps", "Expired")  # a subscription's "Expired" is another word in German

    account = models.ForeignKey(StampAccount, related_name="entries", on_delete=models.PROTECT)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    delta = models.IntegerField()
    # What caused it ("payment:42", "referral:7"); unique with kind, so an earn rule applies once per cause.
    source = models.CharField(max_length=60, blank=True)
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=clock.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
                              on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="stamp_entry_nonzero"),
            models.UniqueConstraint(fields=["account", "kind", "source"], condition=~Q(source=""),
                                    name="stamp_entry_once_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.delta:+d} {self.kind} {self.source}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("Stamp entries are append-only: add a correcting entry instead of editing one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Stamp entries are append-only: add a correcting entry instead of deleting one.")


class Reward(models.Model):
    """What stamps buy: months of access (operators may add others)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    cost = models.PositiveIntegerField()
    months = models.PositiveSmallIntegerField(default=1)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(cost__gte=1), name="reward_cost_positive")]

    def __str__(self) -> str:
        return f"{self.name} ({self.cost} stamps)"


class Referral(models.Model):
    referrer = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="referrals_made", on_delete=models.CASCADE)
    referee = models.OneToOneField(settings.AUTH_USER_MODEL, related_name="referred_by", on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=clock.now)
    rewarded_at = models.DateTimeField(null=True, blank=True)
    # The referee's first payment, which earned both sides their stamps: refunding it claws them back.
    payment = models.ForeignKey("billing.Payment", null=True, blank=True, related_name="+", on_delete=models.SET_NULL)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(referrer=models.F("referee")), name="referral_not_self")]

    def __str__(self) -> str:
        return f"{self.referrer} referred {self.referee}"
