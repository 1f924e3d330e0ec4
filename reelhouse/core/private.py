"""Files and folders only the service's own user may read: var/, the secret key, the demo password, mail on disk
and the SQLite database. Plain os calls with explicit modes, so they hold whatever the process umask is; settings
import this module, so it imports nothing from Django."""

import os
import stat
import time
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path | str) -> Path:
    """Create `path` (and missing parents) as 0700; an existing folder is left as the operator set it."""
    path = Path(path)
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(path, DIR_MODE)
        except FileExistsError:  # another process made it first
            pass
        else:
            os.chmod(path, DIR_MODE)  # mkdir's mode is masked by the umask; 0700 is what was asked for
    return path


def restrict(path: Path | str) -> None:
    """Take group and other permissions off an existing file (one written by an older version, say)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode) and mode & 0o077:
        os.chmod(path, stat.S_IMODE(mode) & 0o700)


def create_private(path: Path | str) -> bool:
    """Create an empty 0600 file if there is none (True when this call created it); never follows a symlink."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        restrict(path)
        return False
    os.close(fd)
    return True


def read_or_create_secret(path: Path | str, make) -> str:
    """The secret kept in `path`, else `make()` written there 0600 from the start (O_EXCL: when two processes start
    at once, one writes and both read the same value)."""
    path = Path(path)
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        restrict(path)
        for _attempt in range(50):  # the other process may not have written it yet
            if text := path.read_text().strip():
                return text
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty: delete it so a new secret is generated") from None
    value = make()
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value
