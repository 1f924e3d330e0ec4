from django.contrib import admin

from reelhouse.core.operator_admin import OperatorAdmin
from reelhouse.rewards.models import Referral, Reward, StampAccount, StampEntry


class StampEntryInline(admin.TabularInline):
    model = StampEntry
    extra = 0
    can_delete = False
    readonly_fields = ["at", "kind", "delta", "source", "note", "actor"]

    def has_add_permission(self, request, obj=None):
        return False  # grants go through the grant action so they are audited


@admin.register(StampAccount)
class StampAccountAdmin(OperatorAdmin):
    list_display = ["user", "referral_code", "created_at"]
    search_fields = ["user__email", "referral_code"]
    raw_id_fields = ["user"]
    inlines = [StampEntryInline]


@admin.register(StampEntry)
class StampEntryAdmin(OperatorAdmin):
    list_display = ["at", "account", "kind", "delta", "source", "note"]
    list_filter = ["kind"]
    search_fields = ["account__user__email", "source"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reward)
class RewardAdmin(OperatorAdmin):
    list_display = ["code", "name", "cost", "months", "is_active"]


@admin.register(Referral)
class ReferralAdmin(OperatorAdmin):
    list_display = ["referrer", "referee", "created_at", "rewarded_at"]
    raw_id_fields = ["referrer", "referee"]
