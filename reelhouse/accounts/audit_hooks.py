"""Role changes in the audit trail: every change of a person's groups (admin form, shell, `reelhouse roles`), with
the roles before and after. The actor is the one core.audit.acting_as names (the admin sets it per request)."""

from django.contrib.auth.models import Group

from reelhouse.core.audit import audit_record


def _names(user) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def on_groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse:  # group.user_set.add(...): instance is the group, pk_set the people
        if action.startswith("post_"):
            audit_record(action="group.members_changed", subject=instance,
                         after={"change": action.removeprefix("post_"), "users": sorted(pk_set or [])})
        return
    if action.startswith("pre_"):
        instance._audit_groups_before = _names(instance)
        return
    before = getattr(instance, "_audit_groups_before", None)
    after = _names(instance)
    if before == after:
        return
    detail = {}
    if pk_set:
        detail["groups"] = sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    audit_record(action="user.roles_changed", subject=instance, before={"roles": before}, after={"roles": after},
                 **detail)
