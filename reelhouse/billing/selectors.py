"""Billing reads: is a user paid up now."""

import datetime as dt

from reelhouse.billing.models import Subscription
from reelhouse.core import clock


def subscription_current(*, user, at: dt.datetime | None = None) -> Subscription | None:
    """The subscription that entitles the user to watch at `at` (now by default), if any."""
    at = at or clock.now()
    return (Subscription.objects.select_related("plan")
            .filter(user=user, state__in=[Subscription.State.ACTIVE, Subscription.State.CANCELED],
                    current_period_start__lte=at, current_period_end__gt=at)
            .order_by("-current_period_end").first())
