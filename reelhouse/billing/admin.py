from django.contrib import admin

from reelhouse.billing.models import Plan, Subscription


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "price_minor", "currency", "term_months", "max_streams", "max_height", "is_active"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "plan", "state", "current_period_start", "current_period_end"]
    list_filter = ["state", "plan"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
