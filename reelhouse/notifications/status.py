"""The public status page's data: components and incidents, and the monitor that keeps them in step with /readyz's
checks and the job queue's health (a failed check degrades its components and opens an automatic incident; when it
passes again they are operational and the incident is resolved)."""

import datetime as dt

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from reelhouse.core import clock
from reelhouse.notifications.models import Incident, IncidentUpdate, StatusComponent

COMPONENTS = {"streaming": _("Streaming"), "sign-in": _("Sign-in"), "payments": _("Payments"),
              "new-episodes": _("New episodes")}
# Which components each check's failure degrades.
CHECK_COMPONENTS = {"database": ["streaming", "sign-in", "payments", "new-episodes"], "storage": ["streaming"],
                    "scheduler": ["new-episodes", "payments"], "job_queue": ["new-episodes", "payments"]}
JOB_QUEUE_STALE_S = 15 * 60  # a task run waiting longer than this means no worker is taking jobs


def components_ensure() -> list[StatusComponent]:
    for position, code in enumerate(COMPONENTS):
        StatusComponent.objects.get_or_create(code=code, defaults={"name": str(COMPONENTS[code]), "position": position})
    return list(StatusComponent.objects.all())


def check_job_queue() -> str | None:
    """None when the job queue is moving; else how long its oldest waiting run has waited."""
    if not apps.is_installed("django_tasks_db"):
        return None
    from django_tasks_db.models import DBTaskResult

    oldest = (DBTaskResult.objects.filter(status="READY").order_by("enqueued_at")
              .values_list("enqueued_at", flat=True).first())
    if oldest is not None and (clock.now() - oldest).total_seconds() > JOB_QUEUE_STALE_S:
        return f"the oldest waiting job was queued {(clock.now() - oldest).total_seconds() / 60:.0f} minutes ago"
    return None


def status_checks() -> dict[str, str | None]:
    from reelhouse.core.views import readiness_checks

    return readiness_checks() | {"job_queue": check_job_queue()}


@transaction.atomic
def status_monitor(checks: dict[str, str | None] | None = None) -> dict[str, str]:
    """Apply the checks' results to the components (the periodic job); returns each component's state."""
    checks = status_checks() if checks is None else checks
    components = {c.code: c for c in components_ensure()}
    now = clock.now()
    failing = {code for name, why in checks.items() if why for code in CHECK_COMPONENTS.get(name, [])}
    for name, why in checks.items():
        open_incident = Incident.objects.filter(automatic=True, check_name=name).exclude(
            state=Incident.State.RESOLVED).first()
        if why and open_incident is None:
            incident = Incident.objects.create(title=f"{name}: {why}"[:200], automatic=True, check_name=name,
                                               started_at=now)
            incident.components.set([components[c] for c in CHECK_COMPONENTS.get(name, []) if c in components])
            IncidentUpdate.objects.create(incident=incident, state=incident.state, text=why, at=now)
        elif not why and open_incident is not None:
            open_incident.state, open_incident.resolved_at = Incident.State.RESOLVED, now
            open_incident.save(update_fields=["state", "resolved_at"])
            IncidentUpdate.objects.create(incident=open_incident, state=Incident.State.RESOLVED,
                                          text="The check passes again.", at=now)
    for code, component in components.items():
        automatic_state = StatusComponent.State.DEGRADED if code in failing else StatusComponent.State.OPERATIONAL
        if component.state != automatic_state and (code in failing
                                                   or component.state == StatusComponent.State.DEGRADED):
            component.state, component.changed_at = automatic_state, now
            component.save(update_fields=["state", "changed_at"])
    return {code: c.state for code, c in components.items()}


def status_page() -> dict:
    """What /status/ shows: the components, the incidents not resolved and those resolved in the last 14 days."""
    recent = clock.now() - dt.timedelta(days=14)
    incidents = (Incident.objects.filter(resolved_at__isnull=True) | Incident.objects.filter(resolved_at__gte=recent))
    components = components_ensure()
    for component in components:
        component.label = COMPONENTS.get(component.code, component.name)  # translated where we named it
    return {"components": components,
            "incidents": incidents.prefetch_related("updates", "components").distinct()[:20]}
