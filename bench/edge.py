"""Edge benchmark: segment requests through the nginx edge (deploy/nginx/, token checked by HMAC-SHA256) against
plain nginx static on the same files from the same nginx, alternated round by round in one run (goal: the edge at
0.95x static or better), and against Django's segment view (the embedded default: gunicorn gthread as
`reelhouse run` starts it, token and live session checked per request) on the same files.

    .venv/bin/python bench/edge.py [--seconds 3] [--rounds 6] [--connections 16] [--size 200000] [--files 20]

Two kinds of workload, one after the other in one run:
- `200KB`: segments of --size bytes (the earlier reference figure);
- the app's real ladder (reelhouse/media/transcode/ladder.py for a 1080p source, SEGMENT_SECONDS-long segments):
  per rung a viewer's requests, one video segment of the rung's average bitrate x segment length, then one audio
  segment (AUDIO_KBPS), alternately: what the edge serves a viewer of that rung.
The goal applies to the ladder, every rung (`edge_vs_nginx` is the lowest rung's ratio): the token check is a fixed
cost per request and static's cost grows with the bytes, so the ratio depends on the segment size, and the
segments the app really makes are what an edge serves; the lowest rung (smallest video segment) is the worst case.

The load generator is wrk (Debian's, installed when missing), one thread, keep-alive connections, cycling over
the workload's URLs; nginx runs one worker, so on two cores the client and the server each get one. The order of
edge and static flips each round (bench/common.py's edge_vs_static) and the figure is the median of the rounds'
edge/static ratios, so a drift of a shared machine's load cancels out. It also reads the nginx worker's CPU time
per request (from /proc), which other load on the machine moves much less than requests per second. Prints
figures and the load average, never asserts. Runtime: about (1 + rungs) x 2 x rounds x seconds (~3.5 min by
default). Last line: one JSON object.
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
from reelhouse.media.conf import SEGMENT_SECONDS  # noqa: E402
from reelhouse.media.transcode.ladder import AUDIO_KBPS, ladder_for  # noqa: E402
from tests.edge_nginx import edge_nginx  # noqa: E402  (the same runner as the edge tests)

PYTHON = str(ROOT / ".venv" / "bin" / "python")
PACKAGE = "packages/bench"
AUDIO = "audio"

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
                                         renditions=os.environ["BENCH_RENDITIONS"].split(","))
print(json.dumps({
    "django": stream_prefix(session_id=str(session.pk), asset_id=asset.pk, ttl=3600),
    "edge": edge_stream_prefix(session_id=str(session.pk), asset_id=asset.pk, directory=asset.directory,
                               renditions=session.renditions, ttl=3600),
    "keys_conf": nginx_keys_conf(), "session": str(session.pk)}))
"""

def make_files(media: Path, folder: str, *, count: int, size: int, stem: str = "seg") -> list[str]:
    """`count` segment files of `size` random bytes in the package's `folder`; their names under the package."""
    (media / PACKAGE / folder).mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        name = f"{folder}/{stem}_{i:05d}.m4s"
        (media / PACKAGE / name).write_bytes(secrets.token_bytes(size))
        names.append(name)
    return names


def workloads(media: Path, *, files: int, size: int) -> dict[str, list[str]]:
    """Workload name -> the file names one wrk run cycles over: --size segments, then a viewer of each rung of the
    app's ladder for a 1080p source (video and audio segments of the ladder's bitrates, alternately)."""
    seconds = SEGMENT_SECONDS
    audio = make_files(media, AUDIO, count=files, size=AUDIO_KBPS * 1000 * seconds // 8)
    loads = {f"{size // 1000}KB": make_files(media, "v200kb", count=files, size=size)}
    for rung in ladder_for(1920, 1080):
        video = make_files(media, rung.name, count=files, size=rung.video_kbps * 1000 * seconds // 8)
        loads[rung.name] = [name for pair in zip(video, audio, strict=True) for name in pair]
    return loads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3, help="length of each measured run (default 3)")
    parser.add_argument("--rounds", type=int, default=6, help="edge/static pairs per workload, alternated (default 6)")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections (default 16)")
    parser.add_argument("--size", type=int, default=200_000, help="bytes per segment of the fixed-size workload")
    parser.add_argument("--files", type=int, default=20, help="segments per folder (default 20)")
    args = parser.parse_args()
    ensure_wrk()
    print(f"edge bench: {args.connections} connections, {args.rounds} rounds x {args.seconds:g} s per workload and "
          f"kind, {os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory(prefix="rh-edge-bench-") as tmp:
        work = Path(tmp)
        var = work / "var"
        media = var / "media"
        loads = workloads(media, files=args.files, size=args.size)
        folders = sorted({name.split("/")[0] for names in loads.values() for name in names})
        for name, names in loads.items():
            sizes = sorted({(media / PACKAGE / n).stat().st_size for n in names})
            print(f"  workload {name:6s}: segments of {' and '.join(f'{b:,}' for b in sizes)} bytes", flush=True)
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REELHOUSE_TESTING")} | {
            "REELHOUSE_VAR_DIR": str(var), "REELHOUSE_EDGE_URL": "http://127.0.0.1:1",  # only the path is used
            "REELHOUSE_EDGE_KEYS": f"b1:{secrets.token_urlsafe(32)}", "BENCH_PACKAGE": PACKAGE,
            "BENCH_RENDITIONS": ",".join(folders), "PYTHONUNBUFFERED": "1"}
        print("preparing the database (migrate, a subscriber, a film, its asset and a playback session)", flush=True)
        subprocess.run([PYTHON, "-m", "reelhouse.manage", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        out = subprocess.run([PYTHON, "-m", "reelhouse.manage", "shell", "-c", PREPARE], env=env, cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout
        prepared = json.loads(out.strip().splitlines()[-1])  # after any log lines
        edge_prefix = prepared["edge"].replace("http://127.0.0.1:1", "")
        results: dict[tuple[str, str], list[dict]] = {}
        with edge_nginx(media_root=media, keys_conf=prepared["keys_conf"], workers=1) as edge:
            for load, names in loads.items():
                print(f"  {load}:", flush=True)
                runs = edge_vs_static(edge, [edge_prefix + n for n in names], [f"/plain/{PACKAGE}/{n}" for n in names],
                                      rounds=args.rounds, seconds=args.seconds, connections=args.connections,
                                      workdir=work)
                for kind, kind_runs in runs.items():
                    results[(load, kind)] = kind_runs
        # Django's segment view: the session must be alive (a heartbeat within 90 s), so it is renewed first.
        subprocess.run([PYTHON, "-m", "reelhouse.manage", "shell", "-c",
                        "from reelhouse.core import clock; from reelhouse.playback.models import PlaybackSession; "
                        f"PlaybackSession.objects.filter(pk='{prepared['session']}')"
                        ".update(last_heartbeat_at=clock.now())"], env=env, cwd=ROOT, check=True)
        django_port = free_port()
        server = gunicorn_start(env, django_port)
        first = next(iter(loads))
        try:
            django = wrk(f"http://127.0.0.1:{django_port}", [prepared["django"] + n for n in loads[first]],
                         seconds=args.seconds, connections=args.connections, workdir=work)
        finally:
            server.terminate()
            server.wait(30)
        print(f"  django (gunicorn 2x8) {first} {django['rps']:9,.0f} req/s  latency {django['latency_avg']:>8s}  "
              f"errors {django['errors']} {django['socket_errors']}", flush=True)

    def median(load: str, kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[(load, kind)])

    figures = {}
    print(f"\n{'workload':8s} {'edge req/s':>10s} {'static':>8s} {'edge/static':>11s}   nginx CPU us/request: "
          f"{'edge':>6s} {'static':>6s} {'added':>6s} {'static/edge':>11s}")
    for load in loads:
        # Each round's edge run against the static run next to it; the median of those ratios is the figure.
        ratio = statistics.median(e["rps"] / s["rps"] for e, s in zip(results[(load, "edge")],
                                                                       results[(load, "static")], strict=True))
        edge_cpu, static_cpu = median(load, "edge", "cpu_us"), median(load, "static", "cpu_us")
        figures[load] = {"edge_rps": round(median(load, "edge", "rps")), "static_rps": round(median(load, "static",
                         "rps")), "edge_vs_nginx": round(ratio, 3), "edge_cpu_us": round(edge_cpu, 1),
                         "static_cpu_us": round(static_cpu, 1), "cpu_static_vs_edge": round(static_cpu / edge_cpu, 3)}
        print(f"{load:8s} {figures[load]['edge_rps']:10,d} {figures[load]['static_rps']:8,d} {ratio:11.3f}   "
              f"{'':21s} {edge_cpu:6.1f} {static_cpu:6.1f} {edge_cpu - static_cpu:6.1f} "
              f"{static_cpu / edge_cpu:11.3f}")
    rungs = [load for load in loads if load != first]
    worst = min(rungs, key=lambda load: figures[load]["edge_vs_nginx"])
    errors = sum(r["errors"] for runs in results.values() for r in runs) + django["errors"]
    print(f"goal (>= 0.95x, every rung of the real ladder): lowest {worst} {figures[worst]['edge_vs_nginx']:.3f}x "
          f"(a rung: a viewer's video and audio segments, alternately); {first} "
          f"{figures[first]['edge_vs_nginx']:.3f}x")
    times = figures[first]["edge_rps"] / max(django["rps"], 1)
    print(f"django segment view ({first}) {django['rps']:,.0f} req/s (the edge answers {times:.1f}x as many)")
    print(f"errors (non-2xx) {errors}; load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(json.dumps({"edge_vs_nginx": figures[worst]["edge_vs_nginx"], "goal_rung": worst,
                      f"edge_vs_nginx_{first}": figures[first]["edge_vs_nginx"], "workloads": figures,
                      "django_rps": round(django["rps"]), "edge_vs_django": round(times, 2), "errors": errors,
                      "segment_seconds": SEGMENT_SECONDS, "connections": args.connections, "rounds": args.rounds,
                      "load_average": round(os.getloadavg()[0], 1)}))


if __name__ == "__main__":
    main()
