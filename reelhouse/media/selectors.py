"""Media reads: transcode jobs as operators watch them (progress, speed, ETA, who holds them)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from reelhouse.media.models import TranscodeJob

ACTIVE = [TranscodeJob.State.QUEUED, TranscodeJob.State.RUNNING]


def transcode_jobs(*, include_finished: bool = False, limit: int = 50) -> QuerySet[TranscodeJob]:
    """Running jobs first, then queued ones by priority, then (optionally) the most recently finished."""
    jobs = TranscodeJob.objects.select_related("delivery")
    if not include_finished:
        jobs = jobs.filter(state__in=ACTIVE)
    return jobs.order_by("state", "-priority", "-finished_at", "created_at")[:limit]


def speed_text(speed: float | None) -> str:
    return f"{speed:.1f}x real time" if speed else "–"


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h {rest // 60:02d}m" if hours else f"{rest // 60}m {rest % 60:02d}s"


@dataclass(frozen=True)
class JobLine:
    """One job as the CLI and the admin show it."""

    id: int
    name: str
    state: str
    percent: int
    speed: str
    eta: str
    attempts: str
    owner: str
    note: str


def job_line(job: TranscodeJob) -> JobLine:
    running = job.state == TranscodeJob.State.RUNNING
    note = ""
    if job.state == TranscodeJob.State.QUEUED and job.retry_at:
        note = f"retry at {job.retry_at:%H:%M:%S}: {job.error[-120:]}"
    elif job.state == TranscodeJob.State.FAILED:
        note = job.error[-160:]
    return JobLine(id=job.pk, name=job.delivery.path.rsplit("/", 1)[-1], state=job.state,
                   percent=round(100 * job.progress), speed=speed_text(job.speed if running else None),
                   eta=eta_text(job.eta_s if running else None), attempts=f"{job.attempts}/{job.max_attempts}",
                   owner=job.lease_owner or "–", note=note)


@dataclass(frozen=True)
class SkipSegment:
    """A stretch of a work a viewer may skip, in seconds."""

    kind: str
    start_s: float
    end_s: float


def skip_segments(*, work_id: int) -> dict[str, SkipSegment]:
    """The work's intro and credits markers by kind ('intro', 'credits'), whoever set them."""
    from reelhouse.media.models import Marker

    return {m.kind: SkipSegment(kind=m.kind, start_s=m.start_s, end_s=m.end_s)
            for m in Marker.objects.filter(work_id=work_id).only("kind", "start_s", "end_s")}
