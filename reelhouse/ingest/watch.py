"""Filesystem notifications for watch folders (inotify on Linux, through watchdog): a file created in, or moved
into, a watch folder is taken up as soon as it has settled, without waiting for the next periodic scan.

The periodic scan stays the safety net (notifications can be lost: a full kernel queue, a network filesystem,
a folder that was briefly gone). The notifier is one thread of the scheduler process (`reelhouse run`); it
follows the registered sources, (re)watches a folder that appears, is replaced or comes back, and keeps going
when one disappears. It only reads folders an operator registered; it never fetches anything.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.db import close_old_connections, connections
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileMovedEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from reelhouse.ingest import conf
from reelhouse.ingest.models import Delivery, Source
from reelhouse.ingest.selectors import sources_ingesting

log = logging.getLogger(__name__)

_EVENTS = [FileCreatedEvent, FileMovedEvent, FileClosedEvent, DirCreatedEvent, DirMovedEvent, DirDeletedEvent]
_DIR_WALK_LIMIT = 10_000  # files looked at when a whole folder lands; the periodic scan catches any beyond


@dataclass
class _Watch:
    root: Path
    ident: tuple[int, int]  # (st_dev, st_ino) of the folder: a folder deleted and made again is watched anew
    watch: object  # watchdog's ObservedWatch
    failed_at: float = 0.0


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Handler(FileSystemEventHandler):
    """Runs on watchdog's thread: only hands paths over (no database work here)."""

    def __init__(self, inbox: queue.SimpleQueue):
        self.inbox = inbox

    def on_any_event(self, event) -> None:
        path = getattr(event, "dest_path", "") or event.src_path
        if event.event_type == "deleted":
            return  # a watched root going away is noticed by the next refresh
        self.inbox.put((os.fsdecode(path), event.is_directory))


class WatchNotifier:
    """Watch every enabled watch-folder source and take notified files one step at a time (WAITING on first sight,
    RECEIVED and queued for processing once settled with no writer), exactly as the periodic scan does."""

    def __init__(self, *, tick_s: float = 0.25, refresh_s: float | None = None):
        self.tick_s = tick_s
        self.refresh_s = conf.watch_refresh_seconds() if refresh_s is None else refresh_s
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer = None
        self._watches: dict[int, _Watch] = {}
        self._pending: dict[tuple[int, str], float] = {}  # (source id, relative path) -> when to look again
        self.status: dict[int, str] = {}  # source id -> "watching" or why not, for operators and tests
        self.ready = threading.Event()  # set once the registered folders are watched (or notifications are off)

    def start(self) -> WatchNotifier:
        """Start watching in a background thread; with the setting off do nothing (the periodic scan finds new
        files on its own)."""
        if not conf.watch_notify():
            log.info("watch folders: filesystem notifications off; the periodic scan alone finds new files")
            self.ready.set()
            return self
        self._observer = Observer()
        self._observer.daemon = True
        self._observer.start()
        self._thread = threading.Thread(target=self._run, name="ingest-watch", daemon=True)
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout)

    # ------------------------------------------------------------------------------------------ the thread

    def _run(self) -> None:
        next_refresh = 0.0
        try:
            while not self._stop.is_set():
                try:
                    if time.monotonic() >= next_refresh:
                        close_old_connections()
                        self._refresh()
                        self.ready.set()
                        next_refresh = time.monotonic() + self.refresh_s
                    self._drain()
                    self._look()
                except Exception:  # a database hiccup or a folder going away mid-look: keep watching
                    log.exception("watch folders: notification step failed; carrying on")
                    self.ready.set()
                    close_old_connections()
                self._stop.wait(self.tick_s)
        finally:
            self.ready.set()
            connections.close_all()  # this thread's own connections

    def _refresh(self) -> None:
        """Follow the registered sources: watch new or returned folders, drop gone or disabled ones."""
        sources = {s.pk: s for s in sources_ingesting(kind=Source.Kind.WATCH_FOLDER)}
        for pk in list(self._watches):
            if pk not in sources or Path(sources[pk].path) != self._watches[pk].root:
                self._unwatch(pk)
                self.status.pop(pk, None)
        alive = {e.watch for e in self._observer.emitters if e.is_alive()}
        for pk, source in sources.items():
            root = Path(source.path)
            try:
                st = root.stat() if root.is_dir() and not root.is_symlink() else None
            except OSError:
                st = None
            if st is None:
                if pk in self._watches:
                    self._unwatch(pk)
                    log.warning("watch folder %s of source %s is gone; watching again when it is back", root,
                                source.name)
                self.status[pk] = "folder missing"
                continue
            ident = (st.st_dev, st.st_ino)
            current = self._watches.get(pk)
            if current is not None and current.ident == ident and current.watch in alive:
                continue
            if current is not None:
                if current.ident == ident and current.failed_at and time.monotonic() - current.failed_at < 60:
                    continue  # could not be watched a moment ago (inotify limit?): do not retry in a tight loop
                self._unwatch(pk)
            try:
                watch = self._observer.schedule(_Handler(self._inbox), str(root), recursive=True,
                                                event_filter=_EVENTS)
            except OSError as exc:
                self.status[pk] = f"not watched ({exc}); the periodic scan still finds its files"
                log.warning("watch folder %s: %s", root, self.status[pk])
                continue
            self._watches[pk] = _Watch(root=root, ident=ident, watch=watch)
            self.status[pk] = "watching"
            # Whatever landed while it was not watched: after it came back, and on the first watch too (a file that
            # lands between the scan at start and this watch, on a loaded machine, would wait a whole scan interval).
            self._walk_into_pending(pk, root, root)
        for pk, w in self._watches.items():
            if w.watch not in {e.watch for e in self._observer.emitters if e.is_alive()} and not w.failed_at:
                w.failed_at = time.monotonic()  # the emitter died at start (e.g. no inotify watches left)
                self.status[pk] = "not watched (inotify refused it; see fs.inotify.max_user_watches); the " \
                                  "periodic scan still finds its files"

    def _unwatch(self, pk: int) -> None:
        current = self._watches.pop(pk)
        with contextlib.suppress(KeyError, OSError, RuntimeError):  # already stopped (its folder was deleted)
            self._observer.unschedule(current.watch)

    def _source_of(self, path: Path) -> tuple[int, Path] | None:
        best = None
        for pk, w in self._watches.items():
            if (path == w.root or w.root in path.parents) and (
                    best is None or len(w.root.parts) > len(best[1].parts)):
                best = (pk, w.root)
        return best

    def _walk_into_pending(self, pk: int, root: Path, folder: Path) -> None:
        now = time.monotonic()
        for n, (dirpath, dirnames, filenames) in enumerate(os.walk(folder, followlinks=False)):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                self._pending.setdefault((pk, (Path(dirpath) / name).relative_to(root).as_posix()), now)
            if n > _DIR_WALK_LIMIT or len(self._pending) > _DIR_WALK_LIMIT:
                return

    def _drain(self) -> None:
        now = time.monotonic()
        while True:
            try:
                raw, is_dir = self._inbox.get_nowait()
            except queue.Empty:
                return
            path = Path(raw)
            found = self._source_of(path)
            if found is None or path == found[1]:
                continue
            pk, root = found
            if is_dir:
                self._walk_into_pending(pk, root, path)
            else:
                self._pending[(pk, path.relative_to(root).as_posix())] = now  # look now, even if already pending

    def _look(self) -> None:
        """One step for every notified file that is due: the same state machine as the periodic scan."""
        from reelhouse.ingest.dispatch import paths_notified

        now = time.monotonic()
        due = [key for key, at in self._pending.items() if at <= now]
        if not due:
            return
        by_source: dict[int, list[str]] = {}
        for pk, rel in due:
            by_source.setdefault(pk, []).append(rel)
        for pk, rels in by_source.items():
            source = sources_ingesting(pk=pk).first()
            if source is None:
                for rel in rels:
                    self._pending.pop((pk, rel), None)
                continue
            try:
                paths_notified(source=source, paths=[PurePosixPath(r) for r in rels])
                storable = [r for r in rels if _utf8(r)]  # the others were reported as not valid UTF-8
                waiting = set(Delivery.objects.filter(source=source, path__in=storable, state=Delivery.State.WAITING)
                              .values_list("path", flat=True))
            except Exception:  # never retried in a loop: the periodic scan will look at these files again
                log.exception("watch folders: could not take up %s; left to the periodic scan", rels)
                waiting = set()
            for rel in rels:
                if rel in waiting and (Path(source.path) / rel).exists():
                    # not settled yet (or a writer still has it open): look again shortly
                    self._pending[(pk, rel)] = now + max(self.tick_s, min(1.0, conf.stable_seconds() / 4))
                else:
                    self._pending.pop((pk, rel), None)
