"""Several hosts on this one machine, for the fleet test: each host is a network namespace (`ip netns`) with its own
address on one bridge, and every process started on it also gets its own hostname (a UTS namespace, so job leases
name the host as on separate machines) and its own mount namespace in which every other host's folder is hidden
under an empty read-only tmpfs, so no host can read or write another host's files: they share only what they send
over the network (the database, object storage, HTTP). The test process stays in the machine's own namespaces and
reaches every host through the bridge's address.

Needs root and iproute2 (`ip netns`); in CI a missing permission is an error, never a skip. Everything is removed
afterwards, even when the test fails: every process in every namespace is killed, the namespaces, the bridge and
the folders deleted."""

import contextlib
import glob
import ipaddress
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class FleetUnavailable(RuntimeError):
    """This machine cannot build namespaced hosts (not root, no iproute2, or namespaces refused)."""


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise FleetUnavailable(f"`ip {' '.join(args)}` failed ({done.returncode}): {done.stderr.strip()}")


def fleet_check() -> None:
    """Raise FleetUnavailable saying what is missing when network namespaces cannot be made here."""
    if os.geteuid() != 0:
        raise FleetUnavailable("the fleet test builds network namespaces and needs root")
    for tool in ("ip", "unshare", "runuser"):
        if shutil.which(tool) is None:
            raise FleetUnavailable(f"`{tool}` is not installed (Debian: iproute2, util-linux)")


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 in 10.0.0.0/8 that no interface of this machine uses (several fleets may run at once)."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    taken = [ipaddress.ip_interface(word).network for word in used.split() if "/" in word and word[0].isdigit()]
    for _ in range(200):
        net = ipaddress.ip_network(f"10.{random.randint(100, 250)}.{random.randint(0, 255)}.0/24")
        if not any(net.overlaps(t) for t in taken):
            return net
    raise FleetUnavailable("no free 10.x.y.0/24 subnet for the fleet's bridge")


def wait_port(address: str, port: int, *, timeout: float, what: str, alive=None) -> None:
    """Wait until address:port accepts a TCP connection; `alive()` returning False (a process exited) fails at once."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection((address, port), timeout=0.5):
            return
        if alive is not None and not alive():
            raise RuntimeError(f"{what} exited before listening on {address}:{port}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not listen on {address}:{port} within {timeout:.0f} s")
        time.sleep(0.1)


@dataclass
class Host:
    """One host: a network namespace with one address, a private folder, and the processes started on it."""

    name: str
    netns: str
    address: str
    root: Path  # this host's own folder: its var dir, media root, scratch space and process logs
    hidden: list[Path]  # the other hosts' folders, masked in every process of this host
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def command(self, argv: list[str], *, user: str | None = None) -> list[str]:
        """`argv` as run on this host: in its network namespace, under its hostname, the other hosts' folders
        hidden (and as `user`, when given, once the namespaces are set up)."""
        masks = " && ".join(f"mount -t tmpfs -o ro,size=4k,mode=0555 fleet-hidden {p}" for p in self.hidden)
        script = f'hostname "$0" && {masks + " && " if masks else ""}exec "$@"'
        as_user = ["runuser", "-u", user, "--"] if user else []
        return ["ip", "netns", "exec", self.netns, "unshare", "--uts", "--mount", "--propagation", "private", "--",
                "sh", "-c", script, self.name, *as_user, *argv]

    def log_path(self, label: str) -> Path:
        return self.root / "logs" / f"{label}.log"

    def start(self, label: str, argv: list[str], *, env: dict[str, str], user: str | None = None,
              cwd: Path = ROOT) -> subprocess.Popen:
        """Start a long-running process on this host, its output in logs/<label>.log."""
        self.log_path(label).parent.mkdir(parents=True, exist_ok=True)
        with self.log_path(label).open("ab") as out:
            proc = subprocess.Popen(self.command(argv, user=user), env=env, cwd=cwd, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs[label] = proc
        return proc

    def run(self, argv: list[str], *, env: dict[str, str], user: str | None = None, timeout: float = 300,
            cwd: Path = ROOT) -> str:
        """Run a command on this host to completion; its output, or RuntimeError with the output when it fails."""
        done = subprocess.run(self.command(argv, user=user), env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"on {self.name}: {' '.join(argv)} exited {done.returncode}:\n{done.stdout}"
                               f"\n{done.stderr}")
        return done.stdout

    def pids(self) -> list[int]:
        """Every process in this host's network namespace (children included: gunicorn workers, ffmpeg)."""
        out = subprocess.run(["ip", "netns", "pids", self.netns], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def kill(self) -> list[int]:
        """The host dies: SIGKILL every process on it (again, until none is left: one may have been forking).
        Returns the pids killed."""
        killed: list[int] = []
        deadline = time.monotonic() + 10
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            killed += [p for p in pids if p not in killed]
            time.sleep(0.05)
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        return killed

    def logs(self) -> str:
        """Every process log of this host, for a failure's message."""
        parts = []
        for path in sorted((self.root / "logs").glob("*.log")):
            text = path.read_text(errors="replace")
            parts.append(f"--- {self.name}/{path.name} (last 4000 chars)\n{text[-4000:]}")
        return "\n".join(parts)


@dataclass
class Fleet:
    hosts: dict[str, Host]
    bridge: str
    gateway: str  # the bridge's address in this machine's own namespace: the test process reaches hosts from it
    root: Path

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    def logs(self) -> str:
        return "\n".join(h.logs() for h in self.hosts.values())


@contextlib.contextmanager
def fleet(names: list[str]) -> Iterator[Fleet]:
    """Build one host per name on a fresh bridge and subnet; yields the Fleet and always tears it down."""
    fleet_check()
    tag = secrets.token_hex(2)
    bridge = f"rhf{tag}"
    root = Path(tempfile.mkdtemp(prefix=f"rh-fleet-{tag}-"))
    os.chmod(root, 0o755)  # the data host's PostgreSQL runs as the postgres user under its own folder
    hosts: dict[str, Host] = {}
    made_ns: list[str] = []
    made_bridge = False
    try:
        net = _free_subnet()
        addresses = list(net.hosts())
        _ip("link", "add", bridge, "type", "bridge")
        made_bridge = True
        _ip("addr", "add", f"{addresses[0]}/{net.prefixlen}", "dev", bridge)
        _ip("link", "set", bridge, "up")
        folders = {name: root / name for name in names}
        for i, name in enumerate(names, start=1):
            netns, outside, inside = f"rhf{tag}-{name}", f"rhf{tag}h{i}", f"rhf{tag}n{i}"
            _ip("netns", "add", netns)
            made_ns.append(netns)
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            _ip("link", "set", inside, "netns", netns)
            _ip("link", "set", outside, "master", bridge, "up")
            _ip("-n", netns, "addr", "add", f"{addresses[i]}/{net.prefixlen}", "dev", inside)
            _ip("-n", netns, "link", "set", inside, "up")
            _ip("-n", netns, "link", "set", "lo", "up")
            folders[name].mkdir(mode=0o755)
            hosts[name] = Host(name=name, netns=netns, address=str(addresses[i]), root=folders[name],
                               hidden=[p for n, p in folders.items() if n != name])
        yield Fleet(hosts=hosts, bridge=bridge, gateway=str(addresses[0]), root=root)
    finally:
        for host in hosts.values():  # nothing of the fleet is kept: no need for a graceful stop
            host.kill()
        for netns in made_ns:
            subprocess.run(["ip", "netns", "del", netns], capture_output=True)  # its veth goes with it
        if made_bridge:
            subprocess.run(["ip", "link", "del", bridge], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


# --- the data host's PostgreSQL -------------------------------------------------------------------------------------

def postgres_bindir() -> Path:
    """Debian's PostgreSQL server binaries (postgresql-NN), the newest installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        raise FleetUnavailable("Debian's PostgreSQL server is not installed (/usr/lib/postgresql/*/bin/initdb); "
                               "apt-get install postgresql")
    return Path(found[-1]).parent


def postgres_start(host: Host, *, subnet_gateway: str, database: str = "reelhouse") -> str:
    """A PostgreSQL cluster of its own on `host` (initdb + postgres as the postgres user, data under the host's
    folder), listening on the host's address, trusting the fleet's subnet. Returns the DATABASE_URL for it."""
    bindir = postgres_bindir()
    data = host.root / "pgdata"
    data.mkdir(mode=0o700)
    shutil.chown(data, "postgres", "postgres")
    host.run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
              "--locale=C", "--no-sync"], env=_plain_env(), user="postgres", cwd=Path("/"))
    subnet = ipaddress.ip_interface(f"{subnet_gateway}/24").network
    with (data / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {subnet} trust\n")
    host.start("postgres", [str(bindir / "postgres"), "-D", str(data), "-p", "5432",
                            "-c", f"listen_addresses={host.address}", "-c", f"unix_socket_directories={data}",
                            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                            "-c", "max_connections=100", "-c", "shared_buffers=64MB"],
               env=_plain_env(), user="postgres", cwd=Path("/"))
    proc = host.procs["postgres"]
    wait_port(host.address, 5432, timeout=60, what="PostgreSQL", alive=lambda: proc.poll() is None)
    import psycopg

    deadline = time.monotonic() + 30
    while True:  # listening comes a moment before accepting connections
        try:
            with psycopg.connect(f"postgresql://postgres@{host.address}:5432/postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return f"postgresql://postgres@{host.address}:5432/{database}"


def _plain_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
