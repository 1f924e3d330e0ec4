"""Watch-folder scanning: find new files, wait until they are complete, record them as deliveries."""

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reelhouse.core import clock
from reelhouse.ingest import conf
from reelhouse.ingest.models import Delivery, Source
from reelhouse.ingest.naming import is_sidecar

log = logging.getLogger(__name__)


@dataclass
class ScanReport:
    seen: int = 0
    new: int = 0
    received: list[int] | None = None
    skipped: list[str] | None = None
    guide_nfos: list[Path] | None = None  # episode NFOs new or changed since the last scan (episode guide)

    def __post_init__(self):
        self.received = self.received or []
        self.skipped = self.skipped or []
        self.guide_nfos = self.guide_nfos or []


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(conf.HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(root: Path):
    """Regular files under root, never following symlinks out of it; hidden files and folders are skipped."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            yield Path(dirpath) / name


_SHOW_NFOS = {"tvshow.nfo", "season.nfo", "movie.nfo"}


def _changed_since(path: Path, since) -> bool:
    if since is None:
        return True
    try:
        return path.lstat().st_mtime > since.timestamp() - 2 and not path.is_symlink()
    except OSError:
        return False


def source_scan(*, source: Source, on_progress=None) -> ScanReport:
    """One pass over a watch folder. New files are recorded as WAITING; a WAITING file whose size and mtime
    held still for the stability period is hashed and becomes RECEIVED (returned for processing)."""
    report = ScanReport()
    root = Path(source.path)
    if not root.is_dir():
        log.warning("source %s: watch folder %s does not exist", source.name, root)
        return report
    now = clock.now()
    since = source.last_scan_at
    latest = {}
    for d in Delivery.objects.filter(source=source).order_by("path", "-first_seen_at").only(
        "id", "path", "size", "mtime_ns", "state", "updated_at"
    ):
        latest.setdefault(d.path, d)
    for path in _walk(root):
        rel = PurePosixPath(path.relative_to(root).as_posix())
        if on_progress is not None:
            on_progress(source, rel)
        if is_sidecar(rel):
            if rel.suffix.lower() == ".nfo" and rel.name.lower() not in _SHOW_NFOS and _changed_since(path, since):
                report.guide_nfos.append(path)
            continue
        try:
            str(rel).encode("utf-8")
        except UnicodeEncodeError:  # a Linux byte name that is not UTF-8: cannot be recorded faithfully
            shown = os.fsencode(str(rel)).decode("utf-8", "backslashreplace")
            report.skipped.append(f"{shown}: file name is not valid UTF-8; rename it (e.g. convmv -t utf-8) "
                                  f"and it will be picked up")
            continue
        try:
            st = path.lstat()
        except OSError as exc:  # vanished between listing and stat
            report.skipped.append(f"{rel}: {exc.strerror}")
            continue
        if path.is_symlink():
            report.skipped.append(f"{rel}: symbolic links are not followed")
            continue
        report.seen += 1
        known = latest.get(str(rel))
        if known is None or (known.state != Delivery.State.WAITING
                             and (known.size, known.mtime_ns) != (st.st_size, st.st_mtime_ns)):
            Delivery.objects.create(source=source, path=str(rel), size=st.st_size, mtime_ns=st.st_mtime_ns,
                                    first_seen_at=now, updated_at=now)
            report.new += 1
            continue
        if known.state != Delivery.State.WAITING:
            continue  # already handled; unchanged files cost no hashing
        if (known.size, known.mtime_ns) != (st.st_size, st.st_mtime_ns):
            Delivery.objects.filter(pk=known.pk).update(size=st.st_size, mtime_ns=st.st_mtime_ns, updated_at=now)
            continue
        if (now - known.updated_at).total_seconds() < conf.stable_seconds():
            continue
        sha = sha256_file(path)
        Delivery.objects.filter(pk=known.pk).update(sha256=sha, state=Delivery.State.RECEIVED, updated_at=now)
        report.received.append(known.pk)
    Source.objects.filter(pk=source.pk).update(last_scan_at=now)
    return report
