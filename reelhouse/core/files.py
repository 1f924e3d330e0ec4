"""Opening files that come from outside exactly once: never through a symbolic link, never blocking on a FIFO, and
only a regular file, judged on the open descriptor (so a path swapped between a check and the open cannot slip
something else in). Reads and hashes then go through that descriptor."""

import errno
import hashlib
import os
import stat
from pathlib import Path

CHUNK = 1 << 20


class NotARegularFile(OSError):
    """The path is a symbolic link, a FIFO, a device, a socket or a folder; the message says which."""


def kind_of(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return kind
    return "not a regular file"


def open_regular(path: Path | str) -> int:
    """A read-only descriptor of the regular file at `path` (close it yourself). Raises NotARegularFile for a
    symbolic link (not followed) or anything but a regular file, OSError when it cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotARegularFile(errno.ELOOP, "a symbolic link (links are not followed)", str(path)) from exc
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(errno.EINVAL, kind_of(mode), str(path))
        os.set_blocking(fd, True)  # a regular file: ordinary reads from here on
    except BaseException:
        os.close(fd)
        raise
    return fd


def sha256_fd(fd: int, *, copy_to: int | None = None) -> str:
    """The SHA-256 of everything the descriptor reads from offset 0, optionally writing each block to `copy_to`
    too (a staged copy of exactly the hashed bytes)."""
    digest = hashlib.sha256()
    offset = 0
    while block := os.pread(fd, CHUNK, offset):
        digest.update(block)
        if copy_to is not None:
            view = memoryview(block)
            while view:
                view = view[os.write(copy_to, view):]
        offset += len(block)
    return digest.hexdigest()
