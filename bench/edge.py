"""Edge benchmark: segment requests through the nginx edge (deploy/nginx/, token checked by njs HMAC-SHA256) against
plain nginx static on the same files from the same nginx, alternated round by round in one run (goal: the edge at
0.95x static or better), and against Django's segment view (the embedded default: gunicorn gthread as
`reelhouse run` starts it, token and live session checked per request) on the same files.

    .venv/bin/python bench/edge.py [--seconds 3] [--rounds 8] [--connections 16] [--size 200000] [--files 40]

The load generator is wrk (Debian's, installed when missing), one thread, keep-alive connections, cycling over
the package's segment URLs; nginx runs one worker, so on two cores the client and the server each get one.
It also reads the nginx workers' CPU time per request (from /proc), which other load on the machine barely moves,
unlike requests per second. Prints figures and the load average (the machine may be shared), never asserts. Last
line: one JSON object.
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import edge_vs_static, ensure_wrk, free_port, gunicorn_start, wrk

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.edge_nginx import edge_nginx  # noqa: E402  (the same runner as the edge tests)

PYTHON = str(ROOT / ".venv" / "bin" / "python")
PACKAGE = "packages/bench"
RUNG = "v720"

PREPARE = r"""
import json, os
from reelhouse.accounts.services import user_create
from reelhouse.billing.services import subscription_grant
from reelhouse.catalog.models import Film
from reelhouse.media.models import Asset
from reelhouse.playback.edge import edge_stream_prefix, nginx_keys_conf
from reelhouse.playback.models import PlaybackSession
from reelhouse.playback.signing import stream_prefix

user = user_create(email="bench-edge@example.com", password="bench edge password 1", display_name="Bench")
subscription_grant(user=user, days=30)
film = Film.objects.create(kind="film", title="Edge Bench", slug="edge-bench")
asset = Asset.objects.create(work=film, source_sha256="", directory=os.environ["BENCH_PACKAGE"], duration_s=200,
                             width=1280, height=720)
session = PlaybackSession.objects.create(profile=user.profiles.first(), work=film, asset=asset,
                                         renditions=[os.environ["BENCH_RUNG"]])
print(json.dumps({
    "django": stream_prefix(session_id=str(session.pk), asset_id=asset.pk, ttl=3600),
    "edge": edge_stream_prefix(session_id=str(session.pk), asset_id=asset.pk, directory=asset.directory,
                               renditions=session.renditions, ttl=3600),
    "keys_conf": nginx_keys_conf(), "session": str(session.pk)}))
"""

def make_files(media: Path, *, count: int, size: int) -> list[str]:
    folder = media / PACKAGE / RUNG
    folder.mkdir(parents=True)
    names = []
    for i in range(count):
        name = f"seg_{i:05d}.m4s"
        (folder / name).write_bytes(secrets.token_bytes(size))
        names.append(f"{RUNG}/{name}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3, help="length of each measured run (default 3)")
    parser.add_argument("--rounds", type=int, default=8, help="edge/static pairs, alternated (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections (default 16)")
    parser.add_argument("--size", type=int, default=200_000, help="bytes per segment (default 200,000)")
    parser.add_argument("--files", type=int, default=40, help="segments in the package (default 40)")
    args = parser.parse_args()
    ensure_wrk()
    print(f"edge bench: {args.files} segments of {args.size:,} bytes, {args.connections} connections, "
          f"{args.rounds} x {args.seconds:g} s per kind, {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory(prefix="rh-edge-bench-") as tmp:
        work = Path(tmp)
        var = work / "var"
        media = var / "media"
        names = make_files(media, count=args.files, size=args.size)
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REELHOUSE_TESTING")} | {
            "REELHOUSE_VAR_DIR": str(var), "REELHOUSE_EDGE_URL": "http://127.0.0.1:1",  # only the path is used
            "REELHOUSE_EDGE_KEYS": f"b1:{secrets.token_urlsafe(32)}", "BENCH_PACKAGE": PACKAGE,
            "BENCH_RUNG": RUNG, "PYTHONUNBUFFERED": "1"}
        print("preparing the database (migrate, a subscriber, a film, its asset and a playback session)", flush=True)
        subprocess.run([PYTHON, "-m", "reelhouse.manage", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        out = subprocess.run([PYTHON, "-m", "reelhouse.manage", "shell", "-c", PREPARE], env=env, cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout
        prepared = json.loads(out.strip().splitlines()[-1])  # after any log lines
        with edge_nginx(media_root=media, keys_conf=prepared["keys_conf"], workers=1) as edge:
            edge_paths = [prepared["edge"].replace("http://127.0.0.1:1", "") + n for n in names]
            static_paths = [f"/plain/{PACKAGE}/{n}" for n in names]
            results = edge_vs_static(edge, edge_paths, static_paths, rounds=args.rounds, seconds=args.seconds,
                                     connections=args.connections, workdir=work)
        # Django's segment view: the session must be alive (a heartbeat within 90 s), so it is renewed first.
        subprocess.run([PYTHON, "-m", "reelhouse.manage", "shell", "-c",
                        "from reelhouse.core import clock; from reelhouse.playback.models import PlaybackSession; "
                        f"PlaybackSession.objects.filter(pk='{prepared['session']}')"
                        ".update(last_heartbeat_at=clock.now())"], env=env, cwd=ROOT, check=True)
        django_port = free_port()
        server = gunicorn_start(env, django_port)
        try:
            django = wrk(f"http://127.0.0.1:{django_port}", [prepared["django"] + n for n in names],
                         seconds=args.seconds, connections=args.connections, workdir=work)
        finally:
            server.terminate()
            server.wait(30)
        print(f"  django (gunicorn 2x8) {django['rps']:9,.0f} req/s  latency {django['latency_avg']:>8s}  errors "
              f"{django['errors']} {django['socket_errors']}", flush=True)

    edge_rps = statistics.median(r["rps"] for r in results["edge"])
    static_rps = statistics.median(r["rps"] for r in results["static"])
    # Each round's edge run against the static run next to it; the median of those ratios is the figure.
    ratio = statistics.median(e["rps"] / s["rps"] for e, s in zip(results["edge"], results["static"], strict=True))
    edge_cpu = statistics.median(r["cpu_us"] for r in results["edge"])
    static_cpu = statistics.median(r["cpu_us"] for r in results["static"])
    errors = sum(r["errors"] for r in results["edge"] + results["static"]) + django["errors"]
    print(f"\nedge (token checked)  {edge_rps:9,.0f} req/s (median of {args.rounds})")
    print(f"plain nginx static    {static_rps:9,.0f} req/s")
    print(f"edge / static         {ratio:9.3f}x (median of the rounds' ratios; goal >= 0.95)")
    print(f"nginx CPU per request edge {edge_cpu:.1f} us, static {static_cpu:.1f} us (static/edge "
          f"{static_cpu / edge_cpu:.3f}: the server's cost, steady under other load)")
    times = edge_rps / max(django["rps"], 1)
    print(f"django segment view   {django['rps']:9,.0f} req/s (the edge answers {times:.1f}x as many)")
    print(f"errors (non-2xx)      {errors}; load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(json.dumps({"edge_rps": round(edge_rps), "static_rps": round(static_rps),
                      "edge_vs_nginx": round(ratio, 3), "django_rps": round(django["rps"]),
                      "edge_vs_django": round(edge_rps / max(django["rps"], 1), 2),
                      "edge_cpu_us": round(edge_cpu, 1), "static_cpu_us": round(static_cpu, 1),
                      "cpu_static_vs_edge": round(static_cpu / edge_cpu, 3), "errors": errors,
                      "segment_bytes": args.size, "connections": args.connections}))


if __name__ == "__main__":
    main()
