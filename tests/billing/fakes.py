"""The payment gateway fake: stands in for Stripe's API only in tests, answering in Stripe's object shapes."""

import copy
from typing import Any


class FakeGateway:
    def __init__(self):
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.checkouts: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str]] = []

    def checkout_url(self, **params) -> str:
        self.checkouts.append(params)
        return f"https://checkout.stripe.com/c/pay/cs_test_{len(self.checkouts):04d}"

    def subscription_retrieve(self, *, subscription_id: str) -> dict[str, Any]:
        self.calls.append(("subscription_retrieve", subscription_id))
        return copy.deepcopy(self.subscriptions[subscription_id])

    def subscription_cancel_at_period_end(self, *, subscription_id: str, cancel: bool) -> dict[str, Any]:
        self.subscriptions[subscription_id]["cancel_at_period_end"] = cancel
        return copy.deepcopy(self.subscriptions[subscription_id])

    def subscription_plan_change(self, *, subscription_id: str, price_id: str, plan_code: str) -> dict[str, Any]:
        self.calls.append(("subscription_plan_change", subscription_id))
        sub = self.subscriptions[subscription_id]
        sub["items"]["data"][0]["price"]["id"] = price_id
        sub["metadata"]["plan_code"] = plan_code
        return copy.deepcopy(sub)

    def portal_url(self, *, customer_id: str, return_url: str) -> str:
        return f"https://billing.stripe.com/p/session/test_{customer_id}"
