"""What the account page shows, read in one place: the plan and payments (billing), the streams running now
(playback) and the stamps and referral code (rewards). Reads only; the view translates it to HTTP."""

from reelhouse.billing import conf, selectors
from reelhouse.billing.gateway import gateway_enabled
from reelhouse.playback import selectors as playback_selectors
from reelhouse.playback.blocks import downloads_section_context
from reelhouse.rewards import selectors as rewards_selectors


def account_page(*, user) -> dict:
    """The account page's context for this account holder."""
    streams = [(s, playback_selectors.session_description(s)) for s in playback_selectors.sessions_live(user=user)]
    subscription = selectors.subscription_current(user=user)
    currency = selectors.billing_currency(user=user)
    return {
        "subscription": subscription,
        "latest": selectors.subscription_latest(user=user),
        "plan_rows": selectors.plan_change_options(subscription=subscription, plans=selectors.plans_on_sale(),
                                                   currency=currency),
        "billing_currency": currency,
        "card_on_file": selectors.card_on_file(user=user),
        "billing_profile": selectors.billing_profile_of(user=user),
        "payments": selectors.payments_of(user=user),
        "streams": streams,
        "stamps_balance": rewards_selectors.stamps_balance(user=user),
        "stamps_history": rewards_selectors.stamps_history(user=user),
        "stamps_expiry": rewards_selectors.stamps_next_expiry(user=user),
        "rewards": rewards_selectors.rewards_on_offer(),
        "referral_code": rewards_selectors.referral_code_of(user=user),
        **downloads_section_context(user=user),
        "card_payments": gateway_enabled(),
        "currencies": conf.CURRENCIES,
    }
