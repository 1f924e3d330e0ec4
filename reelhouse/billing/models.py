"""Billing: plans and subscriptions (payments come with the billing issue)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from reelhouse.core import clock


class Plan(models.Model):
    name = models.CharField(max_length=80, unique=True)
    price_minor = models.PositiveIntegerField(help_text="Price in minor units (cents).")
    currency = models.CharField(max_length=3, default="USD")
    term_months = models.PositiveSmallIntegerField(default=1)
    max_streams = models.PositiveSmallIntegerField(default=2)
    max_height = models.PositiveSmallIntegerField(default=1080)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active"
        CANCELED = "canceled"
        EXPIRED = "expired"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="subscriptions", on_delete=models.CASCADE)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    current_period_start = models.DateTimeField(default=clock.now)
    current_period_end = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(current_period_end__gt=models.F("current_period_start")),
                                   name="subscription_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.plan} until {self.current_period_end:%Y-%m-%d}"
