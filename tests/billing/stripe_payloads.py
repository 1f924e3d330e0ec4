"""Stripe webhook events in Stripe's real shapes (API 2025-03-31+ field layout), signed the way Stripe signs:
header `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed by the endpoint secret>`."""

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

API_VERSION = "2025-10-29.clover"


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def sign(payload: str, secret: str, *, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event(type_: str, obj: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {"id": event_id or _id("evt"), "object": "event", "api_version": API_VERSION,
            "created": int(time.time()), "data": {"object": obj}, "livemode": False, "pending_webhooks": 1,
            "request": {"id": _id("req"), "idempotency_key": secrets.token_hex(8)}, "type": type_}


def checkout_session(*, user_id: int, plan_code: str, mode: str, amount_total: int, currency: str = "usd",
                     customer: str = "", subscription: str | None = None, payment_intent: str | None = None,
                     coupon: str = "") -> dict[str, Any]:
    return {
        "id": _id("cs_test"), "object": "checkout.session", "mode": mode, "status": "complete",
        "payment_status": "paid", "client_reference_id": str(user_id), "currency": currency,
        "amount_subtotal": amount_total, "amount_total": amount_total, "customer": customer or _id("cus"),
        "customer_details": {"email": "viewer@example.com", "name": None, "address": None},
        "metadata": {"user_id": str(user_id), "plan_code": plan_code, "coupon": coupon},
        "payment_intent": payment_intent if mode == "payment" else None,
        "subscription": subscription if mode == "subscription" else None,
        "invoice": None, "livemode": False, "success_url": "http://testserver/account/?paid=1",
    }


def subscription(*, sub_id: str, customer: str, user_id: int, status: str, period_start: int, period_end: int,
                 plan_code: str = "standard-1m", cancel_at_period_end: bool = False,
                 ended_at: int | None = None) -> dict[str, Any]:
    return {
        "id": sub_id, "object": "subscription", "customer": customer, "status": status,
        "cancel_at_period_end": cancel_at_period_end, "canceled_at": ended_at, "ended_at": ended_at,
        "collection_method": "charge_automatically", "currency": "usd", "start_date": period_start, "schedule": None,
        "metadata": {"user_id": str(user_id), "plan_code": plan_code},
        "items": {"object": "list", "has_more": False, "data": [{
            "id": _id("si"), "object": "subscription_item", "quantity": 1,
            "current_period_start": period_start, "current_period_end": period_end,
            "price": {"id": _id("price"), "object": "price", "currency": "usd", "unit_amount": 999,
                      "recurring": {"interval": "month", "interval_count": 1}, "type": "recurring"},
        }]},
    }


def invoice(*, sub_id: str, customer: str, amount: int, paid: bool = True, billing_reason: str = "subscription_create",
            attempt_count: int = 1) -> dict[str, Any]:
    return {
        "id": _id("in"), "object": "invoice", "customer": customer, "currency": "usd",
        "amount_due": amount, "amount_paid": amount if paid else 0, "amount_remaining": 0 if paid else amount,
        "attempt_count": attempt_count, "attempted": True, "billing_reason": billing_reason,
        "status": "paid" if paid else "open", "number": f"ABCD-{secrets.randbelow(9999):04d}",
        "parent": {"type": "subscription_details", "quote_details": None,
                   "subscription_details": {"subscription": sub_id, "metadata": {}}},
        "lines": {"object": "list", "has_more": False, "data": []},
    }


def charge_refunded(*, payment_intent: str, amount: int, amount_refunded: int, currency: str = "usd") -> dict:
    return {
        "id": _id("ch"), "object": "charge", "amount": amount, "amount_captured": amount,
        "amount_refunded": amount_refunded, "captured": True, "currency": currency, "paid": True,
        "payment_intent": payment_intent, "refunded": amount_refunded == amount, "status": "succeeded",
        "customer": None, "refunds": {"object": "list", "data": [], "has_more": False},
    }


def body(evt: dict[str, Any]) -> str:
    return json.dumps(evt, separators=(",", ":"))


def _dispute_txn(*, dispute_id: str, charge: str, amount: int, currency: str, reversal: bool) -> dict:
    """A balance transaction of a dispute: the withdrawal (with Stripe's dispute fee) or its reinstatement."""
    fee = 0 if reversal else 1500
    return {"id": _id("txn"), "object": "balance_transaction", "amount": amount if reversal else -amount,
            "currency": currency, "created": int(time.time()), "available_on": int(time.time()) + 2 * 86400,
            "description": f"Chargeback {'reversal' if reversal else 'withdrawal'} for {charge}",
            "exchange_rate": None, "fee": fee,
            "fee_details": [{"amount": fee, "application": None, "currency": currency, "description": "Dispute fee",
                             "type": "stripe_fee"}] if fee else [],
            "net": amount if reversal else -amount - fee, "reporting_category": "dispute_reversal" if reversal
            else "dispute", "source": dispute_id, "status": "pending", "type": "adjustment"}


def dispute(*, payment_intent: str, amount: int, currency: str = "usd", reason: str = "fraudulent",
            status: str = "needs_response") -> dict:
    """A charge.dispute.created object: a chargeback opened by the cardholder's bank (money withdrawn at once, one
    balance transaction), or with a warning_* status an inquiry (nothing withdrawn yet)."""
    dispute_id, charge = _id("du"), _id("ch")
    withdrawn = not status.startswith("warning_")
    return {
        "id": dispute_id, "object": "dispute", "amount": amount,
        "balance_transactions": [_dispute_txn(dispute_id=dispute_id, charge=charge, amount=amount, currency=currency,
                                              reversal=False)] if withdrawn else [],
        "charge": charge, "created": int(time.time()), "currency": currency,
        "evidence_details": {"due_by": int(time.time()) + 7 * 86400, "has_evidence": False, "past_due": False,
                             "submission_count": 0},
        "is_charge_refundable": False, "livemode": False, "metadata": {}, "payment_intent": payment_intent,
        "reason": reason, "status": status,
    }


def dispute_as(opened: dict, *, status: str) -> dict:
    """The same dispute later on: escalated from an inquiry (status needs_response: the money is withdrawn now), or
    closed (won, lost, warning_closed) after evidence was submitted. A won chargeback carries its reinstatement."""
    later = json.loads(json.dumps(opened))
    later["status"] = status
    later["evidence_details"].update(has_evidence=True, submission_count=1)
    txn = {"dispute_id": later["id"], "charge": later["charge"], "amount": later["amount"],
           "currency": later["currency"]}
    if status == "needs_response" and not later["balance_transactions"]:
        later["balance_transactions"].append(_dispute_txn(**txn, reversal=False))
    if status == "won" and later["balance_transactions"]:
        later["balance_transactions"].append(_dispute_txn(**txn, reversal=True))
    return later
