"""Billing writes, by concern: errors, access periods, payments and receipts (VAT, refunds), disputes, vouchers,
coupons and quotes, trials, Stripe checkout and dunning, plan changes, cancel and pause. The default plans live in
billing.plans and are re-exported here."""

from reelhouse.billing.plans import plan_default, plans_ensure  # noqa: F401
from reelhouse.billing.services.access import (  # noqa: F401
    access_extend,
    access_shorten,
    subscription_grant,
)
from reelhouse.billing.services.cancel_and_pause import (  # noqa: F401
    subscription_cancel,
    subscription_pause,
    subscription_unpause,
)
from reelhouse.billing.services.checkout_and_dunning import (  # noqa: F401
    checkout_url_create,
    dunning_reminders_send,
    portal_url_create,
)
from reelhouse.billing.services.coupons import (  # noqa: F401
    Quote,
    coupon_problem,
    coupon_use,
    plan_purchase_record,
    price_quote,
)
from reelhouse.billing.services.disputes import (  # noqa: F401
    dispute_close,
    dispute_record,
    dispute_withdraw,
)
from reelhouse.billing.services.errors import (  # noqa: F401
    BillingError,
    CouponError,
    TrialError,
    VoucherError,
)
from reelhouse.billing.services.payments import (  # noqa: F401
    billing_profile_update,
    invoice_parties,
    payment_record,
    payment_refund_record,
    receipt_number_next,
    vat_included,
)
from reelhouse.billing.services.plan_changes import (  # noqa: F401
    subscription_change_schedule,
    subscription_change_unschedule,
)
from reelhouse.billing.services.trials import (  # noqa: F401
    TRIAL_KEY_SALT,
    person_key,
    trial_key,
    trial_start,
)
from reelhouse.billing.services.vouchers import (  # noqa: F401
    voucher_batch_create,
    voucher_batch_csv,
    voucher_code_normalize,
    voucher_redeem,
)
