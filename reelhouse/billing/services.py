"""Billing writes (for now: an operator-recorded subscription grant)."""

import datetime as dt

from django.db import transaction

from reelhouse.billing.models import Plan, Subscription
from reelhouse.core import clock
from reelhouse.core.services import audit_record

DEFAULT_PLAN = {"name": "Standard monthly", "price_minor": 999, "currency": "USD", "term_months": 1,
                "max_streams": 2, "max_height": 1080}


def plan_default() -> Plan:
    plan, _ = Plan.objects.get_or_create(name=DEFAULT_PLAN["name"], defaults=DEFAULT_PLAN)
    return plan


@transaction.atomic
def subscription_grant(*, user, plan: Plan | None = None, days: int = 30, actor=None) -> Subscription:
    """Give a user access for `days` from now (payments recorded by an operator)."""
    now = clock.now()
    sub = Subscription.objects.create(user=user, plan=plan or plan_default(), current_period_start=now,
                                      current_period_end=now + dt.timedelta(days=days))
    audit_record(action="subscription.granted", subject=sub, actor=actor, days=days)
    return sub
