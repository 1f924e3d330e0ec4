"""A real pgbouncer in transaction mode in front of the test PostgreSQL, as a child process on a free port with its
own configuration under a temporary folder: every database name goes to the same server (`* = host=… port=…`),
trust authentication. Debian's pgbouncer is installed when missing (as the Makefile's `pgbouncer` target does)."""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.processes import free_port


def ensure_pgbouncer() -> str:
    found = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else "")
    if not found:
        subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer "
                       ">/dev/null", shell=True, check=True)
        found = "/usr/sbin/pgbouncer"
    return found


@dataclass
class Bouncer:
    host: str
    port: int
    root: Path

    def log(self) -> str:
        path = self.root / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def pgbouncer(*, server_host: str, server_port: int, user: str, pool_size: int = 20):
    """pgbouncer in transaction mode on 127.0.0.1:<free port>, passing every database to server_host:server_port.
    Stopped (its server connections closed) when the block ends."""
    binary = ensure_pgbouncer()
    root = Path(tempfile.mkdtemp(prefix="rh-pgbouncer-"))
    port = free_port()
    (root / "users.txt").write_text(f'"{user}" ""\n')  # trust: the name must still be listed
    (root / "pgbouncer.ini").write_text(f"""[databases]
* = host={server_host} port={server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {root}/users.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
server_lifetime = 3600
logfile = {root}/pgbouncer.log
pidfile = {root}/pgbouncer.pid
""")
    argv = [binary, str(root / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root: it switches to the server's system user
        account = next((name for name in ("postgres", "nobody") if _exists(name)), "nobody")
        uid = pwd.getpwnam(account).pw_uid
        root.chmod(0o755)
        for path in (root, *root.iterdir()):
            os.chown(path, uid, -1)
        argv[1:1] = ["-u", account]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    bouncer = Bouncer(host="127.0.0.1", port=port, root=root)
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pgbouncer did not start on port {port}: {bouncer.log()[-2000:]}"
                                   f"{process.stderr.read().decode(errors='replace')[-1000:]}")
            time.sleep(0.05)
        yield bouncer
    finally:
        process.send_signal(signal.SIGTERM)  # immediate shutdown: server connections close, the database can go
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()
        shutil.rmtree(root, ignore_errors=True)


def _exists(account: str) -> bool:
    try:
        pwd.getpwnam(account)
    except KeyError:
        return False
    return True
