"""Repeat infringers in the operator admin: the strikes recorded against sources (read-only evidence) and the
suspensions they caused, with a "lift suspension" action that asks for the reason and calls
rights.strikes.lift_suspension. Lifting needs rights.lift_sourcesuspension (the rights & legal role)."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from reelhouse.accounts import roles
from reelhouse.core.operator_admin import OperatorAdmin
from reelhouse.rights.models import SourceSuspension, Strike
from reelhouse.rights.strikes import StrikeError, lift_suspension


class LiftForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Why the source may deliver again (recorded in the audit trail).")


class ReadOnlyAdmin(OperatorAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Strike)
class StrikeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "source_name", "source_type", "notice", "work", "reason"]
    list_filter = ["source_type"]
    search_fields = ["source_name", "reason", "notice__reference"]


@admin.register(SourceSuspension)
class SourceSuspensionAdmin(ReadOnlyAdmin):
    list_display = ["source_name", "source_type", "strikes", "suspended_at", "lifted_at", "lifted_by", "lift_reason"]
    list_filter = ["lifted_at", "source_type"]
    actions = ["lift"]

    def has_lift_permission(self, request):
        return request.user.has_perm(roles.LIFT_SUSPENSION)

    @admin.action(description="Lift the suspension (the source may deliver again)", permissions=["lift"])
    def lift(self, request, queryset):
        form = LiftForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(request, "admin/rights/sourcesuspension/lift.html", {
                **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                "suspensions": queryset, "action": "lift", "title": "Lift suspensions"})
        for suspension in queryset:
            try:
                lift_suspension(suspension, actor=request.user, reason=form.cleaned_data["reason"])
            except StrikeError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"{suspension.source_name}: suspension lifted; its ingest resumes.")
        return None
