"""The one door to the payment provider. Every outbound call goes through a PaymentGateway; the Stripe one is
used when STRIPE_SECRET_KEY is set, and tests install a fake (tests/billing/fakes.py) with `gateway_set`."""

from typing import Any, Protocol

from reelhouse.billing import conf


class GatewayUnavailable(Exception):
    """No payment provider is configured: the embedded default takes vouchers and operator-recorded payments."""


class PaymentGateway(Protocol):
    def checkout_url(self, *, mode: str, price_id: str, currency: str, amount_minor: int, product_name: str,
                     client_reference_id: str, customer_email: str, customer_id: str, metadata: dict[str, str],
                     success_url: str, cancel_url: str) -> str:
        """A hosted Checkout page for one purchase ('payment') or a recurring plan ('subscription')."""

    def subscription_retrieve(self, *, subscription_id: str) -> dict[str, Any]:
        """The provider's current state of a subscription, in Stripe's object shape."""

    def subscription_cancel_at_period_end(self, *, subscription_id: str, cancel: bool) -> dict[str, Any]:
        """Ask the provider to stop (or resume) renewing; returns the updated subscription."""

    def subscription_plan_change(self, *, subscription_id: str, price_id: str, plan_code: str) -> dict[str, Any]:
        """Move a subscription to another price now, invoicing the prorated difference at once; the move applies only
        when that invoice is paid (otherwise the returned subscription holds it in `pending_update`)."""

    def subscription_change_at_period_end(self, *, subscription_id: str, price_id: str,
                                          plan_code: str) -> dict[str, Any]:
        """Schedule a move to another price when the current period ends (a subscription schedule with two
        phases: the current one unchanged, then the new price); returns the schedule in Stripe's shape."""

    def subscription_schedule_release(self, *, schedule_id: str) -> dict[str, Any]:
        """Drop a scheduled change: the subscription carries on as it is; returns the released schedule."""

    def portal_session_create(self, *, customer_id: str, return_url: str) -> dict[str, Any]:
        """A customer portal session (Stripe's billing_portal.session object; its `url` is where to send them)."""

    def subscription_cancel_now(self, *, subscription_id: str) -> dict[str, Any]:
        """End a subscription at once, without proration or a final invoice; returns it (status canceled)."""

    def customer_delete(self, *, customer_id: str) -> dict[str, Any]:
        """Delete the customer and the payment methods stored with it (Stripe keeps its charges and invoices, which
        refunds still use); returns Stripe's deleted-object stub."""


class StripeGateway:
    """PaymentGateway over the official SDK."""

    def __init__(self, api_key: str, http_client=None):
        import stripe

        self.client = stripe.StripeClient(api_key, http_client=http_client, max_network_retries=2)

    def checkout_url(self, *, mode, price_id, currency, amount_minor, product_name, client_reference_id,
                     customer_email, customer_id, metadata, success_url, cancel_url) -> str:
        line: dict[str, Any] = {"price": price_id, "quantity": 1}
        if not price_id:  # no Stripe Price set up for this plan (or a coupon changed the amount): price it inline
            price_data = {"currency": currency.lower(), "unit_amount": amount_minor,
                          "product_data": {"name": product_name}}
            if mode == "subscription":
                price_data["recurring"] = {"interval": "month"}
            line = {"quantity": 1, "price_data": price_data}
        params: dict[str, Any] = {"mode": mode, "line_items": [line], "client_reference_id": client_reference_id,
                                  "metadata": metadata, "success_url": success_url, "cancel_url": cancel_url}
        if mode == "subscription":
            params["subscription_data"] = {"metadata": metadata}
        else:
            params["payment_intent_data"] = {"metadata": metadata}
        if customer_id:
            params["customer"] = customer_id
        else:
            params["customer_email"] = customer_email
        return self.client.v1.checkout.sessions.create(params).url

    def subscription_retrieve(self, *, subscription_id: str) -> dict[str, Any]:
        return self.client.v1.subscriptions.retrieve(subscription_id).to_dict()

    def subscription_cancel_at_period_end(self, *, subscription_id: str, cancel: bool) -> dict[str, Any]:
        return self.client.v1.subscriptions.update(subscription_id, {"cancel_at_period_end": cancel}).to_dict()

    def portal_session_create(self, *, customer_id: str, return_url: str) -> dict[str, Any]:
        return self.client.v1.billing_portal.sessions.create({"customer": customer_id,
                                                              "return_url": return_url}).to_dict()

    def subscription_cancel_now(self, *, subscription_id: str) -> dict[str, Any]:
        return self.client.v1.subscriptions.cancel(subscription_id, {"invoice_now": False, "prorate": False}).to_dict()

    def customer_delete(self, *, customer_id: str) -> dict[str, Any]:
        return self.client.v1.customers.delete(customer_id).to_dict()

    def subscription_plan_change(self, *, subscription_id: str, price_id: str, plan_code: str) -> dict[str, Any]:
        current = self.client.v1.subscriptions.retrieve(subscription_id)
        item_id = current["items"]["data"][0]["id"]
        # pending_if_incomplete: the new price applies only if the prorated invoice is paid; until then Stripe keeps
        # the change in `pending_update` and the subscription as it was. (Metadata is not a pending-update
        # parameter before API 2026-05-27, and the price billed names the plan anyway.)
        return self.client.v1.subscriptions.update(subscription_id, {
            "items": [{"id": item_id, "price": price_id}], "proration_behavior": "always_invoice",
            "payment_behavior": "pending_if_incomplete"}).to_dict()

    def subscription_change_at_period_end(self, *, subscription_id: str, price_id: str,
                                          plan_code: str) -> dict[str, Any]:
        subscription = self.client.v1.subscriptions.retrieve(subscription_id).to_dict()
        schedule_id = _id(subscription.get("schedule"))
        if not schedule_id:
            schedule_id = self.client.v1.subscription_schedules.create({"from_subscription": subscription_id}).id
        schedule = self.client.v1.subscription_schedules.retrieve(schedule_id).to_dict()
        # Updating a schedule restates every phase from the current one on: the current phase keeps its dates and
        # items, the next one starts at its end with the new price for one billing period, then the schedule
        # releases the subscription, which renews on that price.
        started = (schedule.get("current_phase") or {}).get("start_date")
        current = next((p for p in schedule["phases"] if p["start_date"] == started), schedule["phases"][-1])
        metadata = dict(subscription.get("metadata") or {}) | {"plan_code": plan_code}
        return self.client.v1.subscription_schedules.update(schedule_id, {
            "end_behavior": "release",
            "phases": [
                {"items": [{"price": _id(i["price"]), "quantity": i.get("quantity") or 1} for i in current["items"]],
                 "start_date": current["start_date"], "end_date": current["end_date"],
                 "metadata": dict(current.get("metadata") or subscription.get("metadata") or {})},
                {"items": [{"price": price_id, "quantity": 1}], "duration": {"interval": "month", "interval_count": 1},
                 "proration_behavior": "none", "metadata": metadata},
            ]}).to_dict()

    def subscription_schedule_release(self, *, schedule_id: str) -> dict[str, Any]:
        return self.client.v1.subscription_schedules.release(schedule_id).to_dict()


def _id(value) -> str:
    """Stripe fields hold an id string, or the expanded object."""
    return value.get("id", "") if isinstance(value, dict) else (value or "")


_installed: PaymentGateway | None = None


def gateway_set(gateway: PaymentGateway | None) -> None:
    """Install a gateway (tests install their fake; None goes back to the configured one)."""
    global _installed
    _installed = gateway


def gateway_get() -> PaymentGateway:
    if _installed is not None:
        return _installed
    if key := conf.stripe_secret_key():
        return StripeGateway(key)
    raise GatewayUnavailable("Card payments are not set up here (no STRIPE_SECRET_KEY). "
                             "Redeem a gift code, or ask the operator to record your payment.")


def gateway_enabled() -> bool:
    return _installed is not None or bool(conf.stripe_secret_key())
