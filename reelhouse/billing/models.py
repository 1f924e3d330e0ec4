"""Billing: plans and their prices, subscriptions, payments, vouchers, coupons, trials, Stripe events."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reelhouse.core import clock


class Plan(models.Model):
    """What a subscriber buys: a term (1 month, or 3/6/12 prepaid) with stream, download and quality limits."""

    code = models.SlugField(max_length=40, unique=True, help_text="Stable name used by checkout and Stripe metadata.")
    name = models.CharField(max_length=80, unique=True)
    term_months = models.PositiveSmallIntegerField(default=1)
    recurring = models.BooleanField(default=True, help_text="Renews every term (Stripe Billing); off: prepaid once.")
    max_streams = models.PositiveSmallIntegerField(default=2)
    max_downloads = models.PositiveSmallIntegerField(default=10)
    max_height = models.PositiveSmallIntegerField(default=1080)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["term_months", "max_streams", "id"]
        constraints = [models.CheckConstraint(condition=Q(term_months__gte=1), name="plan_term_positive"),
                       models.CheckConstraint(condition=Q(max_streams__gte=1), name="plan_streams_positive")]

    def __str__(self) -> str:
        return self.name

    def price(self, currency: str) -> "PlanPrice | None":
        return next((p for p in self.prices.all() if p.currency == currency.upper()), None)


class PlanPrice(models.Model):
    """A plan's price in one currency, in integer minor units."""

    plan = models.ForeignKey(Plan, related_name="prices", on_delete=models.CASCADE)
    currency = models.CharField(max_length=3)
    amount_minor = models.PositiveIntegerField(help_text="Minor units (cents).")
    stripe_price_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["currency"]
        constraints = [models.UniqueConstraint(fields=["plan", "currency"], name="plan_price_unique_currency")]

    def __str__(self) -> str:
        return f"{self.plan}: {self.amount_minor / 100:.2f} {self.currency}"


class Subscription(models.Model):
    class State(models.TextChoices):
        TRIALING = "trialing", _("Trialing")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Past Due")  # renewal failed: watchable until the grace period ends
        CANCELED = "canceled", _("Canceled")  # will not renew; watchable until the period ends
        PAUSED = "paused", _("Paused")  # no access until paused_until; the paid time left moves back by the pause
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="subscriptions", on_delete=models.CASCADE)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    current_period_start = models.DateTimeField(default=clock.now)
    current_period_end = models.DateTimeField()
    grace_until = models.DateTimeField(null=True, blank=True, help_text="Past due: access continues until then.")
    paused_until = models.DateTimeField(null=True, blank=True, help_text="Paused: access resumes then.")
    dunning_reminded_at = models.DateTimeField(null=True, blank=True)
    stripe_subscription_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    scheduled_plan = models.ForeignKey(Plan, null=True, blank=True, related_name="+", on_delete=models.PROTECT,
                                       help_text="Plan the subscription moves to when this period ends (a downgrade).")
    stripe_schedule_id = models.CharField(max_length=100, blank=True,
                                          help_text="Stripe subscription schedule carrying the scheduled change.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(current_period_end__gt=models.F("current_period_start")),
                                   name="subscription_period_ordered"),
            models.CheckConstraint(condition=Q(scheduled_plan__isnull=True) | ~Q(scheduled_plan=models.F("plan")),
                                   name="subscription_scheduled_plan_differs"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.plan} until {self.current_period_end:%Y-%m-%d}"


class Customer(models.Model):
    """The user's customer record at the payment provider."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, related_name="billing_customer", on_delete=models.CASCADE)
    stripe_customer_id = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return f"{self.user} = {self.stripe_customer_id}"


class Payment(models.Model):
    """Money received for access: from Stripe, or recorded by an operator (cash, bank transfer)."""

    class Source(models.TextChoices):
        STRIPE = "stripe"
        OPERATOR = "operator"

    class State(models.TextChoices):
        PAID = "paid", _("Paid")
        REFUNDED = "refunded", _("Refunded")
        DISPUTED = "disputed", _("Disputed")  # a chargeback: the bank took the money back

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="payments", on_delete=models.PROTECT)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT)
    number = models.CharField(max_length=20, unique=True, help_text="Receipt number, e.g. RH-2026-000042.")
    source = models.CharField(max_length=10, choices=Source.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PAID)
    amount_minor = models.PositiveIntegerField()
    refunded_minor = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3)
    months = models.PositiveSmallIntegerField(help_text="Months of access this payment bought.")
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True,
                                   help_text="Stripe invoice or payment intent id.")
    payment_intent_id = models.CharField(max_length=100, blank=True, db_index=True)
    paid_at = models.DateTimeField(default=clock.now, db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
                                    on_delete=models.SET_NULL)
    # The invoice as issued: who sold, who bought, and the VAT included in the amount (never recomputed later).
    seller_details = models.TextField(blank=True)
    seller_vat_id = models.CharField(max_length=20, blank=True)
    buyer_details = models.TextField(blank=True)
    buyer_vat_id = models.CharField(max_length=20, blank=True)
    buyer_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2; decides the VAT rate.")
    vat_rate_bp = models.PositiveIntegerField(default=0, help_text="VAT rate in basis points (2000 = 20 %).")
    vat_minor = models.PositiveIntegerField(default=0, help_text="VAT included in the amount, minor units.")

    class Meta:
        ordering = ["-paid_at", "-id"]
        permissions = [("refund_payment", "Can record refunds of payments")]
        constraints = [models.CheckConstraint(condition=Q(refunded_minor__lte=models.F("amount_minor")),
                                              name="payment_refund_within_amount"),
                       models.CheckConstraint(condition=Q(vat_minor__lte=models.F("amount_minor")),
                                              name="payment_vat_within_amount")]

    def __str__(self) -> str:
        return f"{self.number} {self.amount_minor / 100:.2f} {self.currency}"


class Dispute(models.Model):
    """A card dispute on a payment, from the bank's claim to its outcome. The money a chargeback withdraws counts as
    refunded on the payment until the dispute is won; one row per provider dispute lets each step apply once, in
    whatever order the provider's events arrive."""

    class Status(models.TextChoices):
        OPEN = "open"
        WON = "won"
        LOST = "lost"
        WARNING_CLOSED = "warning_closed", "Inquiry closed"  # an inquiry that never became a chargeback

    payment = models.ForeignKey(Payment, related_name="disputes", on_delete=models.PROTECT)
    stripe_dispute_id = models.CharField(max_length=100, unique=True)
    amount_minor = models.PositiveIntegerField(help_text="Disputed amount, in the payment's currency.")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    withdrawn_at = models.DateTimeField(null=True, blank=True, help_text="When the bank took the money back.")
    withdrawn_minor = models.PositiveIntegerField(
        default=0, help_text="What the chargeback added to the payment's refunded amount (the disputed amount, up to "
                             "what was not refunded yet); given back when the dispute is won.")
    opened_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(withdrawn_minor=0) | Q(withdrawn_at__isnull=False),
                                              name="dispute_withdrawn_when_taken")]

    def __str__(self) -> str:
        return f"{self.stripe_dispute_id} on {self.payment.number} ({self.status})"


class BillingProfile(models.Model):
    """Who the invoices are made out to: a name and postal address, the billing country, a VAT number."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, related_name="billing_profile", on_delete=models.CASCADE)
    name = models.CharField(max_length=120, blank=True)
    address = models.TextField(blank=True, max_length=400)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2; empty: the account's country.")
    vat_id = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"billing details of {self.user}"


class ReceiptCounter(models.Model):
    """One row per year; incremented under a row lock so receipt numbers have no gaps or duplicates."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class VoucherBatch(models.Model):
    """Gift codes generated together by an operator, each worth `months` of a plan."""

    name = models.CharField(max_length=120)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT)
    months = models.PositiveSmallIntegerField()
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
                                   on_delete=models.SET_NULL)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(months__gte=1), name="voucher_batch_months_positive")]
        permissions = [("export_vouchers", "Can export voucher codes as CSV")]

    def __str__(self) -> str:
        return f"{self.name} ({self.months} months of {self.plan})"


class Voucher(models.Model):
    batch = models.ForeignKey(VoucherBatch, related_name="vouchers", on_delete=models.CASCADE)
    code = models.CharField(max_length=32, unique=True)
    redeemed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
                                    on_delete=models.SET_NULL)
    redeemed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(
            condition=Q(redeemed_at__isnull=True) | Q(redeemed_by__isnull=False), name="voucher_redeemed_by_someone")]

    def __str__(self) -> str:
        return self.code


class Coupon(models.Model):
    """A discount on a purchase: a percentage or a fixed amount in one currency, with limited uses."""

    code = models.CharField(max_length=40, unique=True)
    percent_off = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_off_minor = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="Required with an amount off.")
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    uses = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(percent_off__isnull=False, percent_off__gte=1, percent_off__lte=100,
                             amount_off_minor__isnull=True)
                           | Q(percent_off__isnull=True, amount_off_minor__isnull=False, amount_off_minor__gte=1)
                           & ~Q(currency="")),
                name="coupon_percent_xor_amount"),
            models.CheckConstraint(condition=Q(max_uses__isnull=True) | Q(uses__lte=models.F("max_uses")),
                                   name="coupon_uses_within_limit"),
        ]

    def __str__(self) -> str:
        return self.code


class CouponUse(models.Model):
    coupon = models.ForeignKey(Coupon, related_name="redemptions", on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE)
    used_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["coupon", "user"], name="coupon_once_per_user")]

    def __str__(self) -> str:
        return f"{self.coupon} by {self.user}"


class TrialUse(models.Model):
    """A free trial taken: one per person, keyed by the normalised email so a '+tag' alias gets no second one. Only a
    keyed digest of it is stored (services.trial_key, keyed by the SECRET_KEY): the rule outlives a closed account
    without keeping its address."""

    person_key = models.CharField(max_length=254, unique=True, help_text="HMAC-SHA256 of the normalised email.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE)
    started_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.person_key


class ProcessedEvent(models.Model):
    """A payment-provider event already applied; its primary key makes every event apply once."""

    event_id = models.CharField(max_length=100, primary_key=True)
    type = models.CharField(max_length=60)
    processed_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class UpgradeOrder(models.Model):
    """An upgrade the subscriber accepted at a quoted price and is paying for by card (Stripe Checkout). The plan
    changes only when Stripe confirms the money (checkout.session.completed), once per order, however often the
    confirmation arrives; one order per accepted quote, so a double-click pays once."""

    class State(models.TextChoices):
        PENDING = "pending"  # waiting for the payment
        APPLIED = "applied"  # paid; the subscription is on the new plan
        SUPERSEDED = "superseded"  # paid, but the subscription changed meanwhile: the operator refunds it

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="upgrade_orders", on_delete=models.CASCADE)
    subscription = models.ForeignKey(Subscription, related_name="upgrade_orders", on_delete=models.CASCADE)
    from_plan = models.ForeignKey(Plan, related_name="+", on_delete=models.PROTECT)
    to_plan = models.ForeignKey(Plan, related_name="+", on_delete=models.PROTECT)
    amount_minor = models.PositiveIntegerField(help_text="The quoted price the subscriber accepted, minor units.")
    currency = models.CharField(max_length=3)
    period_end = models.DateTimeField(help_text="The subscription's period end when quoted: the upgrade runs to it.")
    quote_key = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the accepted quote.")
    checkout_url = models.URLField(max_length=1000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    payment = models.ForeignKey(Payment, null=True, blank=True, related_name="+", on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=clock.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"upgrade of {self.user} to {self.to_plan} ({self.state})"


class PendingStripeEvent(models.Model):
    """A Stripe event about a payment that is not recorded yet (a refund or dispute that overtook the payment's own
    event). Its ProcessedEvent row is written when it arrives, so Stripe's redeliveries change nothing; it is applied
    once, when the payment it names is recorded, and then deleted."""

    event_id = models.CharField(max_length=100, primary_key=True)
    type = models.CharField(max_length=60)
    payload = models.JSONField(help_text="The event's data.object, as Stripe sent it.")
    payment_intent_id = models.CharField(max_length=100, blank=True, db_index=True)
    invoice_id = models.CharField(max_length=100, blank=True, db_index=True)
    received_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["received_at", "event_id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} waiting for {self.payment_intent_id or self.invoice_id}"
