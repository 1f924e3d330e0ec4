"""Events billing emits: listeners (rewards) connect in their own apps.py."""

from django.dispatch import Signal

# A payment was received and applied. Sent after commit. kwargs: payment, first (the user's first payment).
payment_received = Signal()
# A payment was refunded in full or part (including chargebacks). Sent after commit. kwargs: payment.
payment_refunded = Signal()
# A chargeback was reversed (the dispute was won): what it withdrew no longer counts as refunded. Sent after commit.
# kwargs: payment, dispute.
payment_reinstated = Signal()
# A subscription ended before its time (today: its account was closed). Sent after commit. kwargs: subscription,
# reason. Playback can end the subscription's running streams from it.
subscription_ended = Signal()
