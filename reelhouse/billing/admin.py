from django import forms
from django.contrib import admin
from django.http import HttpResponse

from reelhouse.accounts import roles
from reelhouse.billing import services
from reelhouse.billing.models import (
    BillingProfile,
    Coupon,
    Customer,
    Payment,
    PendingStripeEvent,
    Plan,
    PlanPrice,
    ProcessedEvent,
    Subscription,
    TrialUse,
    UpgradeOrder,
    Voucher,
    VoucherBatch,
)
from reelhouse.core.operator_admin import OperatorAdmin


class PlanPriceInline(admin.TabularInline):
    model = PlanPrice
    extra = 0


@admin.register(Plan)
class PlanAdmin(OperatorAdmin):
    list_display = ["code", "name", "term_months", "recurring", "max_streams", "max_downloads", "max_height",
                    "is_active"]
    inlines = [PlanPriceInline]


@admin.register(Subscription)
class SubscriptionAdmin(OperatorAdmin):
    list_display = ["user", "plan", "state", "current_period_start", "current_period_end", "grace_until"]
    list_filter = ["state", "plan"]
    search_fields = ["user__email", "stripe_subscription_id"]
    raw_id_fields = ["user"]


@admin.register(Payment)
class PaymentAdmin(OperatorAdmin):
    list_display = ["number", "user", "plan", "amount_minor", "currency", "refunded_minor", "state", "source",
                    "paid_at"]
    list_filter = ["state", "source", "currency"]
    search_fields = ["number", "user__email", "external_id"]
    raw_id_fields = ["user", "recorded_by"]
    readonly_fields = ["number"]
    actions = ["record_full_refund"]

    def has_change_permission(self, request, obj=None):
        return False  # payments are recorded through services (receipt numbers, access, stamps)

    def has_refund_permission(self, request):
        return request.user.has_perm(roles.REFUND)

    @admin.action(description="Record a full refund (takes back the access and the stamps it earned)",
                  permissions=["refund"])
    def record_full_refund(self, request, queryset):
        for payment in queryset:
            services.payment_refund_record(payment=payment, refunded_minor=payment.amount_minor, actor=request.user)
        self.message_user(request, f"{queryset.count()} payment(s) marked refunded.")

    def save_model(self, request, obj, form, change):
        recorded = services.payment_record(user=obj.user, plan=obj.plan, amount_minor=obj.amount_minor,
                                           currency=obj.currency, months=obj.months, actor=request.user)
        obj.pk, obj.number = recorded.pk, recorded.number

    def get_fields(self, request, obj=None):
        return ["user", "plan", "amount_minor", "currency", "months"] if obj is None else super().get_fields(request,
                                                                                                          obj)


class VoucherBatchForm(forms.ModelForm):
    count = forms.IntegerField(min_value=1, max_value=100_000, help_text="How many codes to generate.")

    class Meta:
        model = VoucherBatch
        fields = ["name", "plan", "months", "expires_at"]


@admin.register(VoucherBatch)
class VoucherBatchAdmin(OperatorAdmin):
    list_display = ["name", "plan", "months", "expires_at", "created_at", "codes", "redeemed"]
    actions = ["export_csv"]
    form = VoucherBatchForm

    @admin.display(description="codes")
    def codes(self, obj):
        return obj.vouchers.count()

    @admin.display(description="redeemed")
    def redeemed(self, obj):
        return obj.vouchers.filter(redeemed_at__isnull=False).count()

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        batch = services.voucher_batch_create(name=obj.name, plan=obj.plan, months=obj.months,
                                              count=form.cleaned_data["count"], expires_at=obj.expires_at,
                                              actor=request.user)
        obj.pk = batch.pk

    def has_export_permission(self, request):
        return request.user.has_perm(roles.EXPORT_VOUCHERS)

    @admin.action(description="Export codes as CSV", permissions=["export"])
    def export_csv(self, request, queryset):
        body = "".join(services.voucher_batch_csv(batch=b) for b in queryset.select_related("plan"))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="vouchers.csv"'
        return response


@admin.register(Voucher)
class VoucherAdmin(OperatorAdmin):
    list_display = ["code", "batch", "redeemed_by", "redeemed_at"]
    search_fields = ["code", "redeemed_by__email"]
    list_filter = ["batch"]
    readonly_fields = ["code", "batch", "redeemed_by", "redeemed_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Coupon)
class CouponAdmin(OperatorAdmin):
    list_display = ["code", "percent_off", "amount_off_minor", "currency", "uses", "max_uses", "expires_at"]
    readonly_fields = ["uses"]


admin.site.register(Customer, OperatorAdmin, list_display=["user", "stripe_customer_id"], raw_id_fields=["user"])
admin.site.register(BillingProfile, OperatorAdmin, list_display=["user", "name", "country", "vat_id"],
                    raw_id_fields=["user"], search_fields=["user__email", "name", "vat_id"])
admin.site.register(TrialUse, OperatorAdmin, list_display=["person_key", "user", "started_at"], raw_id_fields=["user"])
admin.site.register(ProcessedEvent, OperatorAdmin, list_display=["event_id", "type", "processed_at"])
admin.site.register(PendingStripeEvent, OperatorAdmin, list_display=["event_id", "type", "payment_intent_id",
                                                                    "invoice_id", "received_at"])
admin.site.register(UpgradeOrder, OperatorAdmin, list_display=["user", "from_plan", "to_plan", "amount_minor",
                                                               "currency", "state", "created_at"],
                    list_filter=["state"], raw_id_fields=["user", "subscription", "payment"])
