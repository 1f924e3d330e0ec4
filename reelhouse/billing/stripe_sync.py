"""Stripe's subscription state mirrored locally, and the small readers of Stripe's payloads that the webhook
handlers (billing.stripe_events) and the writes that call Stripe (cancel, pause, upgrades, account closing) share.
It imports neither, so those modules no longer import each other."""

import datetime as dt
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from reelhouse.billing import conf, emails
from reelhouse.billing.gateway import gateway_get
from reelhouse.billing.models import Customer, Plan, PlanPrice, Subscription
from reelhouse.billing.plans import plan_default
from reelhouse.core import clock
from reelhouse.core.audit import audit_record

log = logging.getLogger("reelhouse.billing")

STATUS_TO_STATE = {
    "trialing": Subscription.State.TRIALING,
    "active": Subscription.State.ACTIVE,
    "past_due": Subscription.State.PAST_DUE,
    "unpaid": Subscription.State.PAST_DUE,
    "canceled": Subscription.State.EXPIRED,
    "incomplete_expired": Subscription.State.EXPIRED,
    "paused": Subscription.State.EXPIRED,  # no access while paused; a resume event brings it back
}


def stripe_time(value: int | None) -> dt.datetime | None:
    """A Stripe timestamp (seconds since the epoch) as an aware datetime; None when absent."""
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value else None


def stripe_id(value) -> str:
    """Stripe fields are an id string, or the expanded object."""
    return value.get("id", "") if isinstance(value, dict) else (value or "")


def stripe_user(*, customer_id: str = "", metadata: dict | None = None, client_reference_id: str = ""):
    User = get_user_model()
    if customer_id and (c := Customer.objects.select_related("user").filter(stripe_customer_id=customer_id).first()):
        return c.user
    user_id = client_reference_id or (metadata or {}).get("user_id", "")
    user = User.objects.filter(pk=int(user_id)).first() if str(user_id).isdigit() else None
    if user is not None and customer_id:
        Customer.objects.update_or_create(user=user, defaults={"stripe_customer_id": customer_id})
    return user


def stripe_plan(*, metadata: dict | None = None, price_id: str = "") -> Plan:
    # The price billed is the truth (a schedule's new phase changes it); metadata names inline-priced plans.
    if price_id and (price := PlanPrice.objects.select_related("plan").filter(stripe_price_id=price_id).first()):
        return price.plan
    if (code := (metadata or {}).get("plan_code")) and (plan := Plan.objects.filter(code=code).first()):
        return plan
    return plan_default()


@transaction.atomic
def subscription_sync(*, data: dict[str, Any], user=None) -> Subscription | None:
    """Make the local subscription match Stripe's current state of it (whatever order events came in)."""
    items = (data.get("items") or {}).get("data") or [{}]
    first_item = items[0]
    # Since API 2025-03-31 the period lives on the subscription items; older versions had it on the subscription.
    start = stripe_time(data.get("current_period_start") or first_item.get("current_period_start"))
    end = stripe_time(data.get("current_period_end") or first_item.get("current_period_end"))
    user = user or stripe_user(customer_id=stripe_id(data.get("customer")), metadata=data.get("metadata"))
    if user is None or start is None or end is None:
        log.warning("stripe subscription %s: no matching user or period; ignored", data.get("id"))
        return None
    plan = stripe_plan(metadata=data.get("metadata"), price_id=stripe_id(first_item.get("price") or {}))
    state = STATUS_TO_STATE.get(data.get("status", ""), Subscription.State.EXPIRED)
    if state == Subscription.State.ACTIVE and data.get("cancel_at_period_end"):
        state = Subscription.State.CANCELED
    sub = Subscription.objects.select_for_update().filter(stripe_subscription_id=data["id"]).first()
    if sub is None:
        sub = Subscription(user=user, stripe_subscription_id=data["id"])
    newly_past_due = state == Subscription.State.PAST_DUE and sub.state != Subscription.State.PAST_DUE
    if newly_past_due:
        sub.grace_until, sub.dunning_reminded_at = clock.now() + dt.timedelta(days=conf.GRACE_DAYS), None
    elif state != Subscription.State.PAST_DUE:
        sub.grace_until = None
    if state == Subscription.State.EXPIRED and (ended := stripe_time(data.get("ended_at"))):
        end = max(min(end, ended), start + dt.timedelta(seconds=1))
    sub.plan, sub.state, sub.current_period_start, sub.current_period_end = plan, state, start, end
    if not stripe_id(data.get("schedule")):  # released or completed: no change is waiting
        sub.scheduled_plan, sub.stripe_schedule_id = None, ""
    elif sub.scheduled_plan_id == plan.pk:  # the schedule's new phase has started: the change is made
        sub.scheduled_plan = None
    sub.save()
    if newly_past_due:
        transaction.on_commit(lambda: emails.payment_failed_send(subscription=sub))
    audit_record(action="subscription.synced", subject=sub, stripe_status=data.get("status"))
    return sub


def subscription_sync_by_id(subscription_id: str, *, user=None) -> Subscription | None:
    if not subscription_id:
        return None
    return subscription_sync(data=gateway_get().subscription_retrieve(subscription_id=subscription_id), user=user)
