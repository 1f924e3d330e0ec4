"""Pieces the benchmarks share (run as `python bench/<name>.py`, so this directory is on sys.path)."""

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def ensure_pg_database(url: str) -> None:
    """Create the PostgreSQL database `url` names when it does not exist yet (through BENCH_PG_ADMIN_URL)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created PostgreSQL database {name}")


def free_port() -> int:
    """A TCP port nothing listens on now, for a server the benchmark starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_start(env: dict, port: int, *, workers: int = 2, threads: int = 8,
                   host: str = "127.0.0.1") -> subprocess.Popen:
    """Reelhouse under gunicorn (gthread, 8 threads per worker by default) on `host`:`port`, once /healthz answers."""
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), "-m", "gunicorn", "reelhouse.wsgi:application",
                             "--bind", f"{host}:{port}", "--worker-class", "gthread", "--workers", str(workers),
                             "--threads", str(threads), "--log-level", "warning"], env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not come up within 60 s")


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def ensure_wrk() -> str:
    if shutil.which("wrk") is None:
        print("installing Debian's wrk (the load generator)")
        subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null",
                       shell=True, check=True)
    return shutil.which("wrk")


def wrk(base: str, paths: list[str], *, seconds: int, connections: int, workdir: Path) -> dict:
    """Requests per second and transfer over `seconds` of one wrk thread cycling over `paths` (each a path under
    `base`); any answer other than 2xx is counted as an error."""
    script = workdir / "paths.lua"
    script.write_text(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    out = subprocess.run([ensure_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    requests = int(re.search(r"(\d+) requests in", out)[1])
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    latency = re.search(r"Latency\s+([\d.]+\w+)", out)
    return {"rps": rps, "requests": requests, "errors": int(errors[1]) if errors else 0,
            "socket_errors": socket_errors[1] if socket_errors else "", "latency_avg": latency[1] if latency else "?"}


def nginx_cpu_seconds(prefix: Path) -> float:
    """CPU time (user + system) of the nginx workers so far: the server's cost, whatever else the machine runs."""
    master = (prefix / "nginx.pid").read_text().strip()
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == master:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def edge_vs_static(edge, edge_paths: list[str], static_paths: list[str], *, rounds: int, seconds: int,
                   connections: int, workdir: Path) -> dict[str, list[dict]]:
    """wrk runs through the token-checking edge and on plain nginx static (the same files, the same nginx: an
    `Edge` of tests/edge_nginx.py), alternated round by round with the order flipped each round, so a drift of the
    machine's load cancels out; each run also has the nginx workers' CPU per request (cpu_us). Prints each run."""
    results: dict[str, list[dict]] = {"edge": [], "static": []}
    kinds = [("edge", edge_paths), ("static", static_paths)]
    for r in range(rounds):
        for kind, paths in (kinds if r % 2 == 0 else kinds[::-1]):
            cpu = nginx_cpu_seconds(edge.prefix)
            result = wrk(edge.url, paths, seconds=seconds, connections=connections, workdir=workdir)
            result["cpu_us"] = (nginx_cpu_seconds(edge.prefix) - cpu) / max(result["requests"], 1) * 1e6
            results[kind].append(result)
            print(f"  round {r + 1} {kind:6s} {result['rps']:9,.0f} req/s  latency {result['latency_avg']:>8s}"
                  f"  nginx CPU {result['cpu_us']:6.1f} us/request  errors {result['errors']} "
                  f"{result['socket_errors']}", flush=True)
    return results
