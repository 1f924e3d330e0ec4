from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reelhouse.core"
    label = "core"

    def ready(self) -> None:
        from django.conf import settings

        from reelhouse.core import checks, jobs, scheduler, tasks  # noqa: F401  (checks: deployment checks)

        # Jobs whose worker died (lease expired, or its process on this host is gone) are retried or given up.
        scheduler.periodic_register(name="core.jobs_reclaim", every=lambda: settings.REELHOUSE_SCAN_INTERVAL,
                                    run=jobs.jobs_reclaim_and_report)
        # Spent rate-limit counters (window and lockout over).
        scheduler.periodic_register(name="core.throttles_purge", every=3600, first=240, task=tasks.throttles_purge)
