"""The base of every operator admin: audits every save and delete made in the admin (before/after values of the
changed fields, inlines included) and refuses, with 403, an admin action the person may not run."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models

from reelhouse.core.audit import acting_as, audit_record

SECRET_HINTS = ("password", "token", "secret", "totp")


def _value(obj, name: str):
    if any(h in name for h in SECRET_HINTS):
        return "(secret, changed)"
    field = obj._meta.get_field(name)
    return field.value_from_object(obj)


def _tracked(model, names) -> list[str]:
    concrete = {f.name for f in model._meta.concrete_fields}
    return [n for n in names if n in concrete]


def _before(model, pk, names: list[str]) -> dict:
    if pk is None or not names:
        return {}
    old = model._default_manager.filter(pk=pk).first()
    return {n: _value(old, n) for n in names} if old is not None else {}


def _record(request, obj, verb: str, before: dict | None, changed: list[str]) -> None:
    m2m = [n for n in changed if n not in _tracked(type(obj), changed)]
    after = {n: _value(obj, n) for n in _tracked(type(obj), changed)} if verb != "deleted" else None
    audit_record(action=f"{obj._meta.model_name}.{verb}_in_admin", subject=obj, actor=request.user,
                 before=before or None, after=after or None, object=str(obj)[:200],
                 **({"related_changed": m2m} if m2m else {}))


class OperatorAdmin(admin.ModelAdmin):
    def changelist_view(self, request, extra_context=None):
        name = request.POST.get("action") if request.method == "POST" else None
        if name and name in {a[1] for a in self._get_base_actions()} and name not in self.get_actions(request):
            raise PermissionDenied(f"You may not run the action {name!r} here; ask an administrator for a role "
                                   "that allows it.")
        with acting_as(request.user):
            return super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with acting_as(request.user):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with acting_as(request.user):
            return super().delete_view(request, object_id, extra_context)

    def save_model(self, request, obj, form, change):
        names = _tracked(type(obj), form.changed_data)
        before = _before(type(obj), obj.pk, names) if change else None
        super().save_model(request, obj, form, change)
        _record(request, obj, "edited" if change else "added", before, list(form.changed_data))

    def save_formset(self, request, form, formset, change):
        befores = {}
        for inline_form in formset.initial_forms:
            instance = inline_form.instance
            if instance.pk is not None and inline_form.has_changed():
                befores[instance.pk] = _before(type(instance), instance.pk, _tracked(type(instance),
                                                                                     inline_form.changed_data))
                befores[instance.pk] = befores[instance.pk] or {"object": str(instance)}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            _record(request, obj, "added", None, [f.name for f in obj._meta.concrete_fields if f.name != "id"])
        for obj, changed in formset.changed_objects:
            _record(request, obj, "edited", befores.get(obj.pk), list(changed))
        for obj in formset.deleted_objects:
            audit_record(action=f"{obj._meta.model_name}.deleted_in_admin", subject=obj, actor=request.user,
                         before=befores.get(obj.pk) or {"object": str(obj)[:200]})

    def delete_model(self, request, obj):
        audit_record(action=f"{obj._meta.model_name}.deleted_in_admin", subject=obj, actor=request.user,
                     before={"object": str(obj)[:200]})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset: models.QuerySet):
        for obj in queryset:
            audit_record(action=f"{obj._meta.model_name}.deleted_in_admin", subject=obj, actor=request.user,
                         before={"object": str(obj)[:200]})
        super().delete_queryset(request, queryset)
