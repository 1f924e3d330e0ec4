"""The audit trail: the one write every app shares."""

from django.db import models

from reelhouse.core.models import AuditEvent


def audit_record(*, action: str, subject: models.Model | None = None, actor=None, **detail) -> AuditEvent:
    """Append one event to the audit log."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        detail=detail,
    )
