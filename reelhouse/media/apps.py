from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "reelhouse.media"
    label = "media"

    def ready(self) -> None:
        from reelhouse.core import jobs
        from reelhouse.media import provisional, services, signals, sweeps, tasks

        signals.package_published.connect(tasks.on_package_published, dispatch_uid="media.markers")
        from reelhouse.media.models import TranscodeJob

        jobs.job_kind_register(
            model=TranscodeJob, task=tasks.transcode_run,
            on_failed=lambda job, reason: services.transcode_job_failed(job=job, reason=reason),
            on_reclaimed=lambda job, previous_owner: sweeps.transcode_job_leftovers_remove(job=job),
            sweep=lambda: (sweeps.packages_sweep() + sweeps.staging_sweep()
                           + provisional.assets_provisional_remove()))
