"""Events accounts emits: the apps above connect to them in their own apps.py."""

from django.dispatch import Signal


class ClosingRefused(Exception):
    """A receiver of account_closing could not end what it holds for the account; the message says why and what to
    do, and the account stays open."""


# An account is being closed, inside the closing transaction and before its personal data is removed: each app ends
# what it holds for the person (subscriptions at the payment provider, stored details). A receiver that raises
# ClosingRefused keeps the account open. kwargs: user.
account_closing = Signal()

# The account was signed out on every device ('sign out everywhere'). Sent after commit; playback ends every stream
# of the account. kwargs: user.
signed_out_everywhere = Signal()
