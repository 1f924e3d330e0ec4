"""The quick rung on object storage: the worker encodes it in its private scratch folder (no host shares a disk) and
a thread copies it into the bucket while it grows, so the provisional package plays from the bucket within seconds.

Order, on every pass: each segment (and the init segment) the local playlist names, then that playlist itself (a
PUT replaces an object atomically, so a player reloading it only ever sees segments that are already stored), and
the master once its playlist is there. The last pass uploads the playlist with its EXT-X-ENDLIST."""

import contextlib
import logging
import subprocess
import threading
import time
from collections.abc import Callable

import m3u8

from reelhouse.core.storage import media_put
from reelhouse.media.transcode.quick import FOLDER, QuickEncode, QuickNotReady

log = logging.getLogger(__name__)
POLL_S = 0.2
FINISH_TIMEOUT_S = 120.0  # the ultrafast 360p rung runs far ahead of the full ladder: this is a safety bound
ENDLIST = "#EXT-X-ENDLIST"
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/iso.segment"
PLAYLIST_CACHE = "no-cache"  # a growing EVENT playlist (the edge and the app never cache playlists anyway)


def playlist_files(text: str) -> list[str]:
    """The files a media playlist names, in order: its init segment (EXT-X-MAP URI) and its segments (parsed by the
    m3u8 library, as media/transcode reads playlists). Only plain names inside the rung's folder (ffmpeg writes no
    other), anything else is refused."""
    playlist = m3u8.loads(text)
    names = [section.uri for section in playlist.segment_map] + [segment.uri for segment in playlist.segments]
    for name in names:
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            raise ValueError(f"quick playlist names {name!r}: not a file of its folder")
    return names


class QuickUpload:
    """A running quick encode in local scratch (`encode.directory`) mirrored to the stored folder `prefix`. Offers
    the caller what QuickEncode does (rung, wait, stop); `wait_ready` returns once the first segment, its playlist
    and the master are stored. `on_put(name)` is called before each upload (tests inject failures there)."""

    def __init__(self, *, encode: QuickEncode, prefix: str, on_put: Callable[[str], None] | None = None,
                 poll_s: float = POLL_S):
        self.encode, self.prefix, self.on_put, self.poll_s = encode, prefix.strip("/"), on_put, poll_s
        self.stored: set[str] = set()
        self.playlist_stored = ""  # the playlist text last uploaded
        self.master_stored = False
        self.error: Exception | None = None
        self._stopping = threading.Event()
        self._ended = threading.Event()
        self._thread = threading.Thread(target=self._run, name="quick-upload", daemon=True)

    @property
    def rung(self):
        return self.encode.rung

    def start(self) -> "QuickUpload":
        self._thread.start()
        return self

    def _put(self, rel: str, body: bytes, content_type: str, cache_control: str = "") -> None:
        name = f"{self.prefix}/{rel}"
        if self.on_put is not None:
            self.on_put(name)
        media_put(name, body, content_type=content_type, cache_control=cache_control)

    def step(self) -> bool:
        """One pass: store what the local playlist names and is not stored yet, then the playlist if it changed,
        then the master (once). True when the stored playlist is the final one."""
        folder = self.encode.directory / FOLDER
        try:
            text = (folder / "index.m3u8").read_text(encoding="utf-8")  # ffmpeg renames a whole playlist into place
        except FileNotFoundError:
            return False
        for name in playlist_files(text):
            if name not in self.stored:
                kind = "video/mp4" if name.endswith(".mp4") else SEGMENT_TYPE
                self._put(f"{FOLDER}/{name}", (folder / name).read_bytes(), kind)
                self.stored.add(name)
        if text != self.playlist_stored:
            self._put(f"{FOLDER}/index.m3u8", text.encode("utf-8"), PLAYLIST_TYPE, PLAYLIST_CACHE)
            self.playlist_stored = text
        if not self.master_stored:
            self._put("master.m3u8", (self.encode.directory / "master.m3u8").read_bytes(), PLAYLIST_TYPE)
            self.master_stored = True
        return ENDLIST in text

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                exited = self.encode.process.poll() is not None  # looked at before the pass: nothing is missed
                if self.step() or exited:
                    break
                self._stopping.wait(self.poll_s)
        except Exception as exc:  # kept for the caller; the stored part is removed by whoever discards the package
            self.error = exc
            log.warning("quick upload to %s failed: %s", self.prefix, exc)
        finally:
            self._ended.set()

    def ready(self) -> bool:
        return self.master_stored and "#EXTINF" in self.playlist_stored

    def wait_ready(self, *, timeout_s: float, poll_s: float = 0.05) -> None:
        """Block until the first segment, its playlist and the master are stored; QuickNotReady when the upload
        failed, or the encode ended or the time ran out first."""
        deadline = time.monotonic() + timeout_s
        while not self.ready():
            if self.error is not None:
                raise QuickNotReady(f"quick upload failed before its first segment was stored: {self.error}")
            if self._ended.is_set():
                raise QuickNotReady(f"quick encode ended before its first segment was stored: {self.encode.said()}")
            if time.monotonic() > deadline:
                raise QuickNotReady(f"quick encode stored no segment within {timeout_s:.0f} s: {self.encode.said()}")
            self._ended.wait(poll_s)

    def wait(self, timeout_s: float | None = None) -> int:
        """Wait for the encode to finish and its last playlist (with ENDLIST) to be stored."""
        code = self.encode.wait(timeout_s)
        self._thread.join(timeout_s)
        if self.error is not None:
            log.warning("quick upload to %s ended early: %s", self.prefix, self.error)
        return code

    def finish(self, *, timeout_s: float = FINISH_TIMEOUT_S) -> None:
        """Let the encode end and its final playlist be stored, for at most `timeout_s`, then stop what is left."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.wait(timeout_s)
        self.stop()

    def stop(self) -> None:
        """Kill the encode and end the upload thread (nothing is uploaded after this returns)."""
        self._stopping.set()
        self.encode.stop()
        if self._thread.ident is not None:  # started
            self._thread.join()
