"""The payment gateway fake: stands in for Stripe's API only in tests, answering in Stripe's object shapes."""

import copy
import secrets
import time
from typing import Any


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


class FakeGateway:
    def __init__(self):
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.schedules: dict[str, dict[str, Any]] = {}
        self.checkouts: list[dict[str, Any]] = []
        self.portal_sessions: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str]] = []
        self.deleted_customers: list[str] = []
        self.card_declines = False  # the card on file refuses the next charges (a proration invoice stays open)

    def checkout_url(self, **params) -> str:
        self.checkouts.append(params)
        return f"https://checkout.stripe.com/c/pay/cs_test_{len(self.checkouts):04d}"

    def subscription_retrieve(self, *, subscription_id: str) -> dict[str, Any]:
        self.calls.append(("subscription_retrieve", subscription_id))
        return copy.deepcopy(self.subscriptions[subscription_id])

    def subscription_cancel_at_period_end(self, *, subscription_id: str, cancel: bool) -> dict[str, Any]:
        self.calls.append(("subscription_cancel_at_period_end", subscription_id))
        sub = self.subscriptions[subscription_id]
        if sub.get("schedule"):  # Stripe's answer when a schedule manages the subscription
            raise RuntimeError("The subscription is managed by the subscription schedule; update the schedule")
        sub["cancel_at_period_end"] = cancel
        return copy.deepcopy(sub)

    def subscription_cancel_now(self, *, subscription_id: str) -> dict[str, Any]:
        """DELETE /v1/subscriptions/:id: the subscription as Stripe returns it, canceled now."""
        self.calls.append(("subscription_cancel_now", subscription_id))
        sub = self.subscriptions[subscription_id]
        if sub["status"] == "canceled":  # Stripe refuses to cancel twice
            raise RuntimeError(f"A canceled subscription can only update its cancellation_details and metadata "
                               f"({subscription_id})")
        now = int(time.time())
        sub.update(status="canceled", canceled_at=now, ended_at=now, cancel_at_period_end=False,
                   cancellation_details={"comment": None, "feedback": None, "reason": "cancellation_requested"})
        return copy.deepcopy(sub)

    def customer_delete(self, *, customer_id: str) -> dict[str, Any]:
        """DELETE /v1/customers/:id: Stripe's deleted-object stub; the customer's subscriptions end with it."""
        self.calls.append(("customer_delete", customer_id))
        for sub in self.subscriptions.values():
            if sub["customer"] == customer_id and sub["status"] != "canceled":
                raise AssertionError(f"customer {customer_id} deleted while {sub['id']} still ran: cancel it first")
        self.deleted_customers.append(customer_id)
        return {"id": customer_id, "object": "customer", "deleted": True}

    def subscription_plan_change(self, *, subscription_id: str, price_id: str, plan_code: str) -> dict[str, Any]:
        """Stripe's update with proration_behavior=always_invoice, payment_behavior=pending_if_incomplete: the
        proration invoice is charged at once; paid, the price changes; declined, the subscription stays as it was
        and the change waits in `pending_update` (Stripe's shape) until the invoice is paid or the update expires."""
        self.calls.append(("subscription_plan_change", subscription_id))
        sub = self.subscriptions[subscription_id]
        item = sub["items"]["data"][0]
        if self.card_declines:
            sub["pending_update"] = {
                "billing_cycle_anchor": None, "expires_at": int(time.time()) + 23 * 3600, "trial_end": None,
                "trial_from_plan": None, "subscription_items": [
                    {"id": item["id"], "object": "subscription_item", "quantity": 1,
                     "price": {"id": price_id, "object": "price", "currency": sub["currency"], "type": "recurring"}}]}
            sub["latest_invoice"] = _id("in")
        else:
            item["price"]["id"] = price_id
            sub["pending_update"] = None
        return copy.deepcopy(sub)

    def subscription_change_at_period_end(self, *, subscription_id: str, price_id: str,
                                          plan_code: str) -> dict[str, Any]:
        """A subscription_schedule object as Stripe returns it after `subscription_schedules.update`."""
        self.calls.append(("subscription_change_at_period_end", subscription_id))
        sub = self.subscriptions[subscription_id]
        item = sub["items"]["data"][0]
        start, end = item["current_period_start"], item["current_period_end"]
        schedule_id = sub.get("schedule") or _id("sub_sched")
        current_phase = {"start_date": start, "end_date": end, "items": [
            {"price": item["price"]["id"], "quantity": item.get("quantity", 1), "metadata": {}, "discounts": [],
             "tax_rates": []}], "metadata": dict(sub["metadata"]), "proration_behavior": "create_prorations",
            "currency": sub["currency"], "collection_method": None, "discounts": [], "trial_end": None}
        next_phase = {"start_date": end, "end_date": end + (end - start), "items": [
            {"price": price_id, "quantity": 1, "metadata": {}, "discounts": [], "tax_rates": []}],
            "metadata": dict(sub["metadata"]) | {"plan_code": plan_code}, "proration_behavior": "none",
            "currency": sub["currency"], "collection_method": None, "discounts": [], "trial_end": None}
        self.schedules[schedule_id] = {
            "id": schedule_id, "object": "subscription_schedule", "application": None, "canceled_at": None,
            "completed_at": None, "created": int(time.time()), "current_phase": {"start_date": start, "end_date": end},
            "customer": sub["customer"], "default_settings": {}, "end_behavior": "release", "livemode": False,
            "metadata": {}, "phases": [current_phase, next_phase], "released_at": None,
            "released_subscription": None, "status": "active", "subscription": subscription_id, "test_clock": None,
        }
        sub["schedule"] = schedule_id
        return copy.deepcopy(self.schedules[schedule_id])

    def subscription_schedule_release(self, *, schedule_id: str) -> dict[str, Any]:
        self.calls.append(("subscription_schedule_release", schedule_id))
        schedule = self.schedules[schedule_id]
        schedule.update(status="released", released_at=int(time.time()), released_subscription=schedule["subscription"],
                        current_phase=None, subscription=None)
        self.subscriptions[schedule["released_subscription"]]["schedule"] = None
        return copy.deepcopy(schedule)

    def portal_session_create(self, *, customer_id: str, return_url: str) -> dict[str, Any]:
        """A billing_portal.session object, as `stripe.billing_portal.Session.create` returns it."""
        session_id = _id("bps")
        session = {"id": session_id, "object": "billing_portal.session", "configuration": _id("bpc"),
                   "created": int(time.time()), "customer": customer_id, "flow": None, "livemode": False,
                   "locale": None, "on_behalf_of": None, "return_url": return_url,
                   "url": f"https://billing.stripe.com/p/session/test_{session_id[4:]}"}
        self.portal_sessions.append(session)
        return copy.deepcopy(session)

    def checkout_session_paid(self, index: int = -1) -> dict[str, Any]:
        """The checkout.session object Stripe sends in checkout.session.completed once the customer has paid on the
        page made by checkout_url call number `index`."""
        number = range(1, len(self.checkouts) + 1)[index]
        params = self.checkouts[index]
        mode = params["mode"]
        return {
            "id": f"cs_test_{number:04d}", "object": "checkout.session", "mode": mode,
            "status": "complete", "payment_status": "paid", "client_reference_id": params["client_reference_id"],
            "currency": params["currency"].lower(), "amount_subtotal": params["amount_minor"],
            "amount_total": params["amount_minor"], "customer": params["customer_id"] or _id("cus"),
            "customer_details": {"email": params["customer_email"] or "viewer@example.com", "name": None,
                                 "address": None},
            "metadata": dict(params["metadata"]), "payment_intent": _id("pi") if mode == "payment" else None,
            "subscription": _id("sub") if mode == "subscription" else None, "invoice": None, "livemode": False,
            "success_url": params["success_url"], "cancel_url": params["cancel_url"],
        }

    # --- what Stripe does on its own ---------------------------------------------------------------------------

    def renew(self, subscription_id: str) -> dict[str, Any]:
        """The period ends: the schedule's next phase (if any) starts and the subscription renews on its price."""
        sub = self.subscriptions[subscription_id]
        item = sub["items"]["data"][0]
        start, end = item["current_period_start"], item["current_period_end"]
        item["current_period_start"], item["current_period_end"] = end, end + (end - start)
        if schedule_id := sub.get("schedule"):
            schedule = self.schedules[schedule_id]
            phase = next(p for p in schedule["phases"] if p["start_date"] == end)
            item["price"]["id"] = phase["items"][0]["price"]
            sub["metadata"] = dict(phase["metadata"])
            schedule["current_phase"] = {"start_date": phase["start_date"], "end_date": phase["end_date"]}
        return copy.deepcopy(sub)
