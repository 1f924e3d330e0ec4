from django.contrib import admin

from reelhouse.core.operator_admin import OperatorAdmin
from reelhouse.rights import admin_notices, admin_strikes  # noqa: F401  (register the notice queue, strikes)
from reelhouse.rights.admin_lifecycle import ending_banner
from reelhouse.rights.models import Licence, Licensor


class LicenceInline(admin.TabularInline):
    model = Licence
    extra = 0


@admin.register(Licensor)
class LicensorAdmin(OperatorAdmin):
    list_display = ["name", "contact_email"]
    search_fields = ["name"]
    inlines = [LicenceInline]


@admin.register(Licence)
class LicenceAdmin(OperatorAdmin):
    list_display = ["name", "licensor", "starts_at", "ends_at", "territories", "allows_downloads"]
    list_filter = ["licensor", "allows_downloads"]

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            ending_banner(request)
        return super().changelist_view(request, extra_context)
