"""Licences ending soon in the operator admin: a list of the licences that end within the largest warning threshold
(rights.lifecycle), soonest first, and a banner on the licence list while there are any."""

from django.conf import settings
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from reelhouse.core import clock
from reelhouse.core.operator_admin import OperatorAdmin
from reelhouse.rights.lifecycle import licences_ending, warn_days
from reelhouse.rights.models import EndingLicence


def ending_banner(request) -> None:
    """Add the "licences ending soon" warning to the page's messages when there are any."""
    count = licences_ending().count()
    if count:
        messages.warning(request, format_html(
            '{} licence(s) end within {} days: <a href="{}">licences ending soon</a>.', count, warn_days()[0],
            reverse("admin:rights_endinglicence_changelist")))


@admin.register(EndingLicence)
class EndingLicenceAdmin(OperatorAdmin):
    list_display = ["name", "licensor", "ends_at", "days_left", "territories", "works", "warned", "edit"]
    list_display_links = None

    def get_queryset(self, request):
        return licences_ending().prefetch_related("end_warnings")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": (
            f"Licences ending within {warn_days()[0] if warn_days() else 0} days (operators are mailed at "
            f"{', '.join(str(d) for d in warn_days())} days; subscribers see 'Leaving soon' within "
            f"{settings.REELHOUSE_LEAVING_SOON_DAYS} days)")}
        return super().changelist_view(request, extra_context)

    @admin.display(description="days left")
    def days_left(self, obj):
        return (obj.ends_at - clock.now()).days

    @admin.display(description="works")
    def works(self, obj):
        return obj.works.count()

    @admin.display(description="operators mailed at")
    def warned(self, obj):
        return ", ".join(f"{w.days} d" for w in obj.end_warnings.all() if w.ends_at == obj.ends_at) or "not yet"

    @admin.display(description="licence")
    def edit(self, obj):
        return format_html('<a href="{}">extend or edit</a>', reverse("admin:rights_licence_change", args=[obj.pk]))
