"""Billing's part of the personal data export (registered in apps.py; see accounts/export.py)."""

from reelhouse.accounts.export import Section, exporter_register


def register() -> None:
    from reelhouse.billing.models import (
        BillingProfile,
        CouponUse,
        Customer,
        Dispute,
        Payment,
        Subscription,
        TrialUse,
        UpgradeOrder,
        Voucher,
        VoucherBatch,
    )

    exporter_register(app="billing", sections=[
        Section("subscriptions", Subscription, ("user",)),
        Section("payments", Payment, ("user",)),  # the invoices as issued: seller, buyer, VAT
        Section("disputes", Dispute, ("payment__user",)),
        Section("billing_details", BillingProfile, ("user",)),
        Section("payment_provider_customer", Customer, ("user",)),
        Section("upgrade_orders", UpgradeOrder, ("user",)),
        Section("coupons_used", CouponUse, ("user",)),
        Section("gift_codes_redeemed", Voucher, ("redeemed_by",)),
        Section("gift_code_batches_created", VoucherBatch, ("created_by",)),
        Section("free_trial", TrialUse, ("user",)),
    ])
