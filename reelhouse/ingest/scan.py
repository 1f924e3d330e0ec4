"""Watch-folder scanning: find new files, wait until they are complete, record them as deliveries."""

import errno
import fcntl
import logging
import os
import signal
import stat
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reelhouse.core import clock
from reelhouse.core.files import NotARegularFile, open_regular, sha256_fd
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
    writing: list[str] | None = None  # settled in size and mtime, but a process still has them open to write

    def __post_init__(self):
        self.received = self.received or []
        self.skipped = self.skipped or []
        self.guide_nfos = self.guide_nfos or []
        self.writing = self.writing or []


def sha256_file(path: Path) -> str:
    """The SHA-256 of the regular file at `path`, read through one descriptor (raises NotARegularFile for a symbolic
    link, a FIFO, a device: never followed, never blocked on)."""
    fd = open_regular(path)
    try:
        return sha256_fd(fd)
    finally:
        os.close(fd)


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


def has_writer(path: Path) -> bool | None:
    """True while some process has the file open for writing, False when none has, None when it cannot be told.

    Linux grants a read lease only on a file nobody has open for writing, so taking one and dropping it at once
    answers the question without reading /proc. It cannot be told on other systems, on filesystems without
    leases (NFS, FUSE) or for a file owned by another user (leases need the owner or CAP_LEASE): there the
    size-and-mtime settling period alone decides."""
    if not hasattr(fcntl, "F_SETLEASE"):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        # A writer opening the file in the instant we hold the lease breaks it with a signal: make that signal
        # one whose default is to be ignored (SIGIO would end the process).
        fcntl.fcntl(fd, fcntl.F_SETSIG, signal.SIGWINCH)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return True if exc.errno in (errno.EAGAIN, errno.EBUSY) else None
    else:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(fd)


# One scheduler process scans and receives notifications on two threads; a path is looked at by one at a time.
_path_lock = threading.Lock()
_hashing: set[int] = set()  # deliveries being hashed right now
# Paths the notifier wrote, with a generation number: a full scan re-reads a path from the database only when the
# notifier touched it after the scan took its snapshot (so the full scan costs no extra query per file).
_touched: dict[tuple[int, str], int] = {}
_generation = 0


def _latest(source: Source, rel: str) -> Delivery | None:
    return (Delivery.objects.filter(source=source, path=rel).order_by("-first_seen_at", "-pk")
            .only("id", "path", "size", "mtime_ns", "state", "updated_at").first())


def _look_at(source: Source, path: Path, rel: PurePosixPath, known: Delivery | None, now,
             report: ScanReport, *, fresh: bool, snapshot: int = 0) -> None:
    """Take one file one step further: first sight -> WAITING; WAITING and settled (size and mtime unchanged for
    the stability period, no writer) -> hashed and RECEIVED. `known` is the latest delivery of that path as the
    caller last saw it (`fresh` when just read from the database)."""
    if is_sidecar(rel):
        if rel.suffix.lower() == ".nfo" and rel.name.lower() not in _SHOW_NFOS and _changed_since(
                path, source.last_scan_at):
            report.guide_nfos.append(path)
        return
    try:
        str(rel).encode("utf-8")
    except UnicodeEncodeError:  # a Linux byte name that is not UTF-8: cannot be recorded faithfully
        shown = os.fsencode(str(rel)).decode("utf-8", "backslashreplace")
        report.skipped.append(f"{shown}: file name is not valid UTF-8; rename it (e.g. convmv -t utf-8) "
                              f"and it will be picked up")
        return
    try:
        st = path.lstat()
    except OSError as exc:  # vanished between listing and stat
        report.skipped.append(f"{rel}: {exc.strerror}")
        return
    if stat.S_ISLNK(st.st_mode):
        report.skipped.append(f"{rel}: symbolic links are not followed")
        return
    if not stat.S_ISREG(st.st_mode):
        return
    report.seen += 1
    unchanged = known is not None and known.state != Delivery.State.WAITING and (
        known.size, known.mtime_ns) == (st.st_size, st.st_mtime_ns)
    if unchanged:
        return  # already handled; unchanged files cost no hashing (and no query)
    global _generation
    with _path_lock:
        key = (source.pk, str(rel))
        if fresh:
            _generation += 1
            _touched[key] = _generation
            # Read again under the lock: the caller read `known` before it, and a full scan may have recorded this
            # path in between (two rows for one file, the second WAITING for ever, was seen under load).
            known = _latest(source, str(rel))
        elif _touched.get(key, -1) >= snapshot:  # the notifier moved this path on since the caller's snapshot
            known = _latest(source, str(rel))
        if known is None or (known.state != Delivery.State.WAITING
                             and (known.size, known.mtime_ns) != (st.st_size, st.st_mtime_ns)):
            Delivery.objects.create(source=source, path=str(rel), size=st.st_size, mtime_ns=st.st_mtime_ns,
                                    first_seen_at=now, updated_at=now)
            report.new += 1
            return
        if known.state != Delivery.State.WAITING:
            return
        if (known.size, known.mtime_ns) != (st.st_size, st.st_mtime_ns):
            Delivery.objects.filter(pk=known.pk).update(size=st.st_size, mtime_ns=st.st_mtime_ns, updated_at=now)
            return
        if (now - known.updated_at).total_seconds() < conf.stable_seconds():
            return
        if has_writer(path):
            report.writing.append(str(rel))
            return
        if known.pk in _hashing:
            return  # the other thread is on it
        _hashing.add(known.pk)
    try:  # hashing a large file takes a while: outside the lock, so the other thread is not held up
        # One open, checked on the descriptor: the path may have been swapped for a FIFO, a device or a symbolic
        # link since the lstat above; what is hashed is the file that was opened.
        fd = open_regular(path)
        try:
            opened = os.fstat(fd)
            sha = sha256_fd(fd) if _same_file(opened, st) else ""
            after = os.fstat(fd)
        finally:
            os.close(fd)
    except NotARegularFile as exc:
        _refuse_swapped(known.pk, f"{rel}: replaced by {exc.strerror} while it was being checked; only regular "
                                  "files are taken (nothing was read; the path is left as it is)")
        report.skipped.append(f"{rel}: {exc.strerror}")
        return
    except OSError as exc:  # vanished between the check and the open
        report.skipped.append(f"{rel}: {exc.strerror}")
        return
    finally:
        with _path_lock:
            _hashing.discard(known.pk)
    if not sha or (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
        # another file under that name, or written to while we read it: settle again from what is there now
        Delivery.objects.filter(pk=known.pk).update(size=after.st_size, mtime_ns=after.st_mtime_ns, updated_at=now)
        return
    # Conditional: whichever thread gets here second finds it RECEIVED already and queues nothing.
    if Delivery.objects.filter(pk=known.pk, state=Delivery.State.WAITING).update(
            sha256=sha, state=Delivery.State.RECEIVED, updated_at=now):
        report.received.append(known.pk)


def _same_file(opened: os.stat_result, checked: os.stat_result) -> bool:
    return (opened.st_dev, opened.st_ino, opened.st_size, opened.st_mtime_ns) == (
        checked.st_dev, checked.st_ino, checked.st_size, checked.st_mtime_ns)


def _refuse_swapped(pk: int, reason: str) -> None:
    """Quarantine a waiting delivery whose path stopped being a regular file: said once, never retried (a regular
    file put back under that name later is a new delivery)."""
    from reelhouse.ingest.services.pipeline import delivery_quarantine

    delivery = Delivery.objects.filter(pk=pk, state=Delivery.State.WAITING).first()
    if delivery is not None:
        delivery_quarantine(delivery=delivery, reason=reason)


def source_scan(*, source: Source, on_progress=None) -> ScanReport:
    """One pass over a watch folder. New files are recorded as WAITING; a WAITING file whose size and mtime
    held still for the stability period, and that nobody has open for writing, is hashed and becomes RECEIVED
    (returned for processing)."""
    report = ScanReport()
    root = Path(source.path)
    if not root.is_dir():
        log.warning("source %s: watch folder %s does not exist", source.name, root)
        return report
    now = clock.now()
    with _path_lock:
        snapshot = _generation + 1  # paths the notifier writes from now on are re-read before any write here
    latest = {}
    for d in Delivery.objects.filter(source=source).order_by("path", "-first_seen_at", "-pk").only(
        "id", "path", "size", "mtime_ns", "state", "updated_at"
    ):
        latest.setdefault(d.path, d)
    for path in _walk(root):
        rel = PurePosixPath(path.relative_to(root).as_posix())
        if on_progress is not None:
            on_progress(source, rel)
        _look_at(source, path, rel, latest.get(str(rel)), now, report, fresh=False, snapshot=snapshot)
    Source.objects.filter(pk=source.pk).update(last_scan_at=now)
    with _path_lock:  # what the notifier did before this scan began is in the database the next scan reads
        for key in [k for k, gen in _touched.items() if k[0] == source.pk and gen < snapshot]:
            del _touched[key]
    return report


def source_scan_paths(*, source: Source, paths: list[PurePosixPath]) -> ScanReport:
    """The same step as `source_scan` for a few files named by a filesystem notification (relative to the
    source folder). A path that climbs out of the folder, or runs through a symlink or a hidden folder, is
    ignored, as the full scan would never reach it."""
    report = ScanReport()
    root = Path(source.path)
    now = clock.now()
    for rel in paths:
        rel = PurePosixPath(rel)
        if rel.is_absolute() or not rel.parts or any(p in ("..", "") or p.startswith(".") for p in rel.parts):
            continue
        if any((root / PurePosixPath(*rel.parts[:i])).is_symlink() for i in range(1, len(rel.parts))):
            continue
        try:
            known = _latest(source, str(rel)) if str(rel).encode("utf-8") else None
        except UnicodeEncodeError:
            known = None  # a non-UTF-8 name: _look_at reports it, as the full scan does
        _look_at(source, root / rel, rel, known, now, report, fresh=True)
    return report
