"""Moved: the audit trail lives in reelhouse.core.audit. This name stays only while helpers still editing
billing, ingest, accounts and media finish (issue 14); it goes once their imports point at core.audit."""

from reelhouse.core.audit import audit_record

__all__ = ["audit_record"]
