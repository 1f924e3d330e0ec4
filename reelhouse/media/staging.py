"""The transcode reads exactly the bytes ingest hashed and accepted: the delivery is opened once, hard-linked (same
filesystem) or copied (through the same descriptor, while hashing) into a private staging folder under the var
folder, and its SHA-256 checked against the accepted one; every ffmpeg of the job reads the staged file. A file
replaced or rewritten after acceptance fails the job with a reason that says so, and is never packaged.

On object storage (no shared filesystem between the ingest host and the workers) ingest uploads the accepted bytes
once, hashing them as they go, to sources/<sha256>/source<suffix> (sidecar subtitles beside it under subs/), and a
worker fetches them from there into the same private staging folder, checking the hash again."""

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from reelhouse.core.files import NotARegularFile, open_regular, sha256_fd
from reelhouse.core.storage import media_fetch, media_storage, storage_is_local
from reelhouse.media.errors import ProbeError


class SourceChanged(ProbeError):
    """The delivery on disk is not the file that was accepted; retrying cannot help (a ProbeError: not retried)."""


def staging_root() -> Path:
    return Path(settings.VAR_DIR) / "staging"


@dataclass
class StagedSource:
    path: Path  # what every ffmpeg of the job reads
    original: Path
    sha256: str
    linked: bool  # a hard link shares the original's inode: re-checked before publishing

    def verify(self) -> None:
        """Raise SourceChanged when the staged bytes are no longer the accepted ones (a hard-linked original was
        written to during the transcode)."""
        if not self.linked:
            return  # a private copy nobody else can write to
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            now = sha256_fd(fd)
        finally:
            os.close(fd)
        if now != self.sha256:
            raise SourceChanged(_changed(self.original, self.sha256, now, "while it was being transcoded"))


def _changed(original: Path, accepted: str, found: str, when: str) -> str:
    return (f"{original.name}: the file changed {when} (accepted with sha256 {accepted[:12]}…, now "
            f"{found[:12]}…); nothing was published from it. The new file is taken up as a new delivery by the "
            "next scan, or retry this one to accept what is there now")


@contextlib.contextmanager
def source_staged(*, original: Path, sha256: str, key: str) -> Iterator[StagedSource]:
    """Stage `original` under var/staging/<key>/ (removed afterwards) and yield it once its hash is the accepted
    `sha256`. Raises SourceChanged when the file was replaced, rewritten, or is no longer a regular file."""
    folder = staging_root() / key
    shutil.rmtree(folder, ignore_errors=True)  # a dead attempt's leftovers
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(staging_root(), 0o700)
    target = folder / ("source" + original.suffix.lower()[:12])
    try:
        fd = _open_accepted(original, before="its transcode")
        try:
            linked = _link(fd, target)
            if linked:
                found = sha256_fd(fd)
            else:
                out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
                try:
                    found = sha256_fd(fd, copy_to=out)
                finally:
                    os.close(out)
        finally:
            os.close(fd)
        if found != sha256:
            raise SourceChanged(_changed(original, sha256, found, "after it was accepted"))
        yield StagedSource(path=target, original=original, sha256=sha256, linked=linked)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _open_accepted(original: Path, *, before: str) -> int:
    """A descriptor of the accepted delivery (open_regular), or SourceChanged saying it is gone or is no longer a
    regular file."""
    try:
        return open_regular(original)
    except NotARegularFile as exc:
        raise SourceChanged(f"{original.name}: is now {exc.strerror}, not the file that was accepted; nothing "
                            "was read from it") from exc
    except FileNotFoundError as exc:
        raise SourceChanged(f"{original.name}: the accepted file is gone (moved or deleted before {before}); "
                            "deliver it again") from exc


def staging_remove_except(*, keep: set[str], older_than_s: float) -> int:
    """Remove staging folders not named in `keep` and unchanged for older_than_s: what a worker killed mid-job
    left (a copy can be as large as the source). Returns how many were removed."""
    root = staging_root()
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        if folder.name in keep or time.time() - folder.lstat().st_mtime < older_than_s:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def stored_source_name(*, sha256: str, suffix: str) -> str:
    """The object-storage name of an accepted source: sources/<sha256>/source<suffix>."""
    return f"sources/{sha256}/source{suffix.lower()[:12]}"


def source_store(*, original: Path, sha256: str, subtitles: list[dict] | None = None) -> list[dict]:
    """Upload an accepted delivery (and its sidecar subtitles) to the media storage, unless it is there already
    (same content, same name: idempotent). The bytes uploaded are the ones hashed: SourceChanged when they are not
    the accepted `sha256`, and nothing is left stored. Returns the subtitle entries with a 'stored' name each. Only
    needed on object storage; on local disk a worker stages the original in place."""
    storage = media_storage()
    name = stored_source_name(sha256=sha256, suffix=original.suffix)
    if not storage.exists(name):
        fd = _open_accepted(original, before="it was stored")
        with os.fdopen(fd, "rb") as fh:
            hashing = _HashingReader(fh)
            saved = storage.save(name, hashing)
        if hashing.hexdigest() != sha256:
            storage.delete(saved)
            raise SourceChanged(_changed(original, sha256, hashing.hexdigest(), "before it was stored"))
    stored = []
    for index, entry in enumerate(subtitles or []):
        path = Path(entry["path"])
        sub_name = f"sources/{sha256}/subs/{index}{path.suffix.lower()[:8]}"
        if not storage.exists(sub_name):
            with path.open("rb") as fh:
                storage.save(sub_name, fh)
        stored.append(entry | {"stored": sub_name})
    return stored


class _HashingReader:
    """A read-only file object that hashes what is read through it (for uploads of exactly the hashed bytes)."""

    def __init__(self, fh):
        self._fh, self._digest = fh, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        block = self._fh.read(size)
        self._digest.update(block)
        return block

    closed = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # read once, front to back: boto3 streams it in parts
        return False

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


@contextlib.contextmanager
def source_fetched(*, sha256: str, suffix: str, key: str, subtitles: list[dict] | None = None
                   ) -> Iterator[tuple[StagedSource, list[dict]]]:
    """Fetch a stored source (object storage: no shared filesystem) into var/staging/<key>/ (removed afterwards),
    with its sidecar subtitles; yields it once its hash is the accepted `sha256`, and the subtitle entries pointing
    at their local copies. Raises SourceChanged when the stored bytes are not the accepted ones or are gone."""
    folder = staging_root() / key
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(staging_root(), 0o700)
    name = stored_source_name(sha256=sha256, suffix=suffix)
    target = folder / Path(name).name
    try:
        digest = hashlib.sha256()
        try:
            media_fetch(name, target, on_block=digest.update)
        except FileNotFoundError as exc:
            raise SourceChanged(f"{name}: the stored source is gone from the media storage; retry the delivery "
                                "so ingest stores it again") from exc
        if digest.hexdigest() != sha256:
            raise SourceChanged(_changed(Path(name), sha256, digest.hexdigest(), "in the media storage"))
        local_subs = []
        for entry in subtitles or []:
            if not entry.get("stored"):
                continue
            local = folder / Path(entry["stored"]).name
            media_fetch(entry["stored"], local)
            local_subs.append(entry | {"path": local})
        yield StagedSource(path=target, original=Path(name), sha256=sha256, linked=False), local_subs
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sources_stored() -> bool:
    """Do workers fetch sources from the media storage (object storage) rather than read the watch folder?"""
    return not storage_is_local()


def _link(fd: int, target: Path) -> bool:
    """Hard-link the very file `fd` is open on (not whatever its name points at now); False when the kernel will not
    (another filesystem, no /proc, a file the worker does not own under protected_hardlinks)."""
    try:
        # linkat(AT_SYMLINK_FOLLOW) on the descriptor's /proc entry; CPython calls linkat (not link, which would
        # link the /proc entry itself) only when a directory descriptor is passed.
        root = os.open("/", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.link(f"/proc/self/fd/{fd}", target, src_dir_fd=root, follow_symlinks=True)
        finally:
            os.close(root)
    except OSError:
        return False
    return True
