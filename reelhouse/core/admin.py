"""The audit trail in the back office: read-only, filterable by actor, action, subject and date, exportable as CSV
(the export follows the list's current filters)."""

import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path

from reelhouse.core.http import csv_response
from reelhouse.core.models import AuditEvent
from reelhouse.core.operator_admin import OperatorAdmin

EXPORT_PERMISSION = "core.export_auditevent"


@admin.register(AuditEvent)
class AuditEventAdmin(OperatorAdmin):
    list_display = ["seq", "at", "action", "subject_type", "subject_id", "actor_label", "reason"]
    list_filter = ["action", "subject_type", "actor_label"]
    date_hierarchy = "at"
    search_fields = ["=subject_id", "action", "actor_label", "reason"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    change_list_template = "admin/core/auditevent/change_list.html"
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("export.csv", self.admin_site.admin_view(self.export_view), name="core_auditevent_export"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_export": request.user.has_perm(EXPORT_PERMISSION), "query": request.GET.urlencode()}
        return super().changelist_view(request, (extra_context or {}) | extra)

    def export_view(self, request):
        if not (self.has_view_permission(request) and request.user.has_perm(EXPORT_PERMISSION)):
            raise PermissionDenied("Exporting the audit trail needs the permission 'core.export_auditevent'.")
        rows = [{"seq": e.seq, "at": e.at.isoformat(), "action": e.action, "actor_id": e.actor_id or "",
                 "actor": e.actor_label, "subject_type": e.subject_type, "subject_id": e.subject_id,
                 "reason": e.reason, "before": _json(e.before), "after": _json(e.after), "detail": _json(e.detail),
                 "prev_hash": e.prev_hash, "hash": e.hash}
                for e in self.get_changelist_instance(request).get_queryset(request).order_by("seq")]
        return csv_response(rows, filename="reelhouse-audit.csv")


def _json(value) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


# Admins of the apps before core (auth's groups, i.e. the roles; django_tasks_db's task results) get the same audit and
# action guard as ours. Admin modules are imported in INSTALLED_APPS order, so they are registered by now.
for _model, _admin in list(admin.site._registry.items()):
    if not isinstance(_admin, OperatorAdmin):
        admin.site.unregister(_model)
        admin.site.register(_model, type(f"Operator{type(_admin).__name__}", (OperatorAdmin, type(_admin)), {}))
