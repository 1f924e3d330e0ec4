"""Events billing emits: listeners (rewards) connect in their own apps.py."""

from django.dispatch import Signal

# A payment was received and applied. Sent after commit. kwargs: payment, first (the user's first payment).
payment_received = Signal()
# A payment was refunded in full or part (including chargebacks). Sent after commit. kwargs: payment.
payment_refunded = Signal()
# A chargeback was reversed (the dispute was won): what it withdrew no longer counts as refunded. Sent after commit.
# kwargs: payment, dispute.
payment_reinstated = Signal()
