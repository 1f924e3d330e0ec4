"""Events the catalog emits: a work became available to viewers (first publish or embargo lifted)."""

from django.dispatch import Signal

work_available = Signal()  # sender=Work, work=...
