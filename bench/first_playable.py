"""First-playable benchmark: a long 1080p episode lands in the watch folder of a real `reelhouse run --no-demo`
(its default scan interval and stability period); measures the seconds from the file landing until a viewer can
fetch, through a signed stream URL, the master playlist, a variant playlist with a segment, its init segment and
first segment (the quick provisional rung), and until the work has swapped to the full ladder (with --wait-full:
the full-ladder time of a 45-minute 1080p source, content-adaptive probe included). Prints figures and the load
average (the machine may be shared), never asserts. Last line: one JSON object.

    .venv/bin/python bench/first_playable.py [--minutes 45] [--wait-full] [--full-timeout 7200]

The source is made fast: a 60-s 1080p25 testsrc2 + tone chunk (x264 ultrafast) repeated by stream copy to the
requested length, so a 45-min source takes seconds to make; decoding it costs what a real 1080p H.264 file costs.
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import imageio_ffmpeg
from common import free_port

ROOT = Path(__file__).resolve().parents[1]
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
EPISODE = "Long Haul (2025)/Season 01/Long Haul - S01E01 - Departure.mkv"


def make_source(target: Path, *, minutes: float, chunk_s: int = 60) -> Path:
    chunk = target.with_name("chunk.mp4")
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25",
                    "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000", "-t", str(chunk_s),
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50",
                    "-c:a", "aac", "-b:a", "128k", str(chunk)], check=True)
    loops = max(0, int(minutes * 60 / chunk_s + 0.999) - 1)
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-stream_loop", str(loops), "-i", str(chunk),
                    "-t", str(minutes * 60), "-c", "copy", str(target)], check=True)
    chunk.unlink()
    return target


def fetch(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read() if response.status == 200 else None
    except OSError:
        return None


def playable(base: str, prefix: str) -> tuple[bool, str, int]:
    """Can a player start: master, its first variant with at least one segment, init and first segment."""
    master = fetch(base + prefix + "master.m3u8")
    if master is None:
        return False, "", 0
    variant_uri = next(line for line in master.decode().splitlines() if line and not line.startswith("#"))
    variant = fetch(base + prefix + variant_uri)
    if variant is None:
        return False, "", 0
    text = variant.decode()
    folder = variant_uri.rsplit("/", 1)[0] + "/"
    segments = [line for line in text.splitlines() if line and not line.startswith("#")]
    init = next((line.split('URI="')[1].split('"')[0] for line in text.splitlines() if "EXT-X-MAP" in line), None)
    if not segments or (init and fetch(base + prefix + folder + init) is None):
        return False, "", 0
    ok = fetch(base + prefix + folder + segments[0]) is not None
    kind = "event" if "PLAYLIST-TYPE:EVENT" in text else "vod"
    return ok, kind, len(segments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=45.0, help="length of the 1080p source (default 45)")
    parser.add_argument("--wait-full", action="store_true", help="also wait for the full ladder to publish")
    parser.add_argument("--full-timeout", type=float, default=7200.0)
    parser.add_argument("--report-every", type=float, default=120.0,
                        help="with --wait-full, print the full ladder's progress every N seconds")
    parser.add_argument("--observe", type=float, default=60.0,
                        help="seconds to watch the full ladder before estimating when it will publish")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-first-playable-"))
    var = work / "var"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REELHOUSE_TESTING")} | {
        "REELHOUSE_VAR_DIR": str(var), "REELHOUSE_DEMO_PASSWORD": "demo-password-123", "PORT": str(port)}
    print(f"making a {args.minutes:g}-min 1080p source...", flush=True)
    started = time.monotonic()
    staging = work / "staging"
    staging.mkdir()
    source = make_source(staging / "episode.mkv", minutes=args.minutes)
    print(f"  {source.stat().st_size / 1e9:.2f} GB in {time.monotonic() - started:.0f} s", flush=True)

    with open(work / "run.log", "w") as run_log:
        run = subprocess.Popen([sys.executable, "-m", "reelhouse.manage", "run", "--no-demo", "--web-workers", "1"],
                               cwd=ROOT, env=env, stdout=run_log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while fetch(base + "/healthz") is None:
            if run.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"reelhouse run did not come up; see {work / 'run.log'}")
            time.sleep(0.3)
        os.environ.update({k: v for k, v in env.items() if k.startswith("REELHOUSE_")})
        os.environ.pop("REELHOUSE_TESTING", None)
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings

        from reelhouse.accounts.services import user_create
        from reelhouse.billing.services import subscription_grant
        from reelhouse.catalog.models import Episode
        from reelhouse.embedded.setup import watch_folder
        from reelhouse.media.models import Asset, TranscodeJob
        from reelhouse.playback.services import playback_start
        from reelhouse.playback.signing import stream_prefix

        user = user_create(email="bench@example.com", password="correct horse battery", display_name="Bench")
        subscription_grant(user=user, days=30)
        profile = user.profiles.get()
        target = watch_folder() / EPISODE
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"delivering into {target.parent} (scan every {settings.REELHOUSE_SCAN_INTERVAL:g} s, "
              f"stable after {settings.REELHOUSE_STABLE_SECONDS:g} s, full ladder x264 "
              f"{settings.REELHOUSE_X264_PRESET})", flush=True)
        source.rename(target)  # the delivery lands at once (same file system)
        landed = time.monotonic()

        first_s = full_s = None
        first_kind, first_segments, quick_speed = "", 0, None
        while first_s is None and time.monotonic() - landed < 600:
            episode = Episode.objects.filter(asset__isnull=False, published_at__isnull=False).first()
            if episode is not None:
                session = playback_start(profile=profile, work=episode)
                prefix = stream_prefix(session_id=str(session.id), asset_id=session.asset_id)
                ok, first_kind, first_segments = playable(base, prefix)
                if ok:
                    first_s = time.monotonic() - landed
                    break
                session.ended_at = session.started_at
                session.save(update_fields=["ended_at"])
            time.sleep(0.2)
        if first_s is None:
            print("not playable within 600 s", flush=True)
        else:
            print(f"first playable after {first_s:.1f} s ({first_kind} playlist, {first_segments} segments)",
                  flush=True)
            time.sleep(10)
            _, _, later = playable(base, prefix)
            quick_speed = (later - first_segments) * 6 / 10
            print(f"  the quick rung grows at about {quick_speed:.1f}x real time while the ladder encodes",
                  flush=True)

        time.sleep(max(0.0, args.observe - 10))
        job = TranscodeJob.objects.order_by("-pk").first()
        full_eta = None
        if job is not None:
            print(f"  full ladder job: {job.state}, progress {job.progress:.2%}, started {job.started_at}", flush=True)
        if job is not None and job.started_at and job.progress > 0.001:
            from reelhouse.core import clock

            running_s = (clock.now() - job.started_at).total_seconds()
            full_eta = (time.monotonic() - landed) + running_s * (1 - job.progress) / job.progress
            print(f"  full ladder: {job.progress:.1%} done after {running_s:.0f} s (speed {job.speed}x), "
                  f"estimated published {full_eta:.0f} s after landing", flush=True)
        if args.wait_full:
            last_report = time.monotonic()
            while time.monotonic() - landed < args.full_timeout:
                episode = Episode.objects.select_related("asset").filter(asset__provisional=False).first()
                if episode is not None:
                    full_s = time.monotonic() - landed
                    break
                if time.monotonic() - last_report >= args.report_every:  # a run stopped early still says something
                    last_report = time.monotonic()
                    job = TranscodeJob.objects.order_by("-pk").first()
                    if job is not None and job.progress > 0:
                        elapsed = time.monotonic() - landed
                        full_eta = elapsed / job.progress  # landing to now, scaled: includes the probe and waits
                        print(f"  {elapsed:6.0f} s after landing: full ladder {job.progress:.1%} (speed {job.speed}x), "
                              f"load {os.getloadavg()[0]:.1f}; at this pace published about {full_eta:.0f} s after "
                              "landing", flush=True)
                time.sleep(1)
            if full_s is not None:
                session_new = playback_start(profile=profile, work=episode)
                ok, kind, _ = playable(base, stream_prefix(session_id=str(session_new.id),
                                                                  asset_id=session_new.asset_id))
                old_ok, _, old_segments = playable(base, prefix) if first_s is not None else (False, "", 0)
                print(f"full ladder published after {full_s:.1f} s ({kind}, playable={ok}); the viewer on the "
                      f"quick rung still fetches it: {old_ok} ({old_segments} segments)", flush=True)
        result = {
            "source_minutes": args.minutes, "source_gb": round(target.stat().st_size / 1e9, 2),
            "cores": os.cpu_count(), "first_playable_s": round(first_s, 1) if first_s is not None else None,
            "first_playable_kind": first_kind, "quick_rung_speed_x": quick_speed,
            "full_ladder_s": round(full_s, 1) if full_s is not None else None,
            "full_ladder_estimate_s": round(full_eta) if full_eta else None,
            "provisional_assets": Asset.objects.filter(provisional=True).count(),
            "load_avg_1m_end": round(os.getloadavg()[0], 1),
        }
    finally:
        run.send_signal(signal.SIGINT)
        try:
            run.wait(30)
        except subprocess.TimeoutExpired:
            run.kill()
        stop_leftover_encodes(var)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))


def stop_leftover_encodes(var: Path) -> None:
    """The quick rung's ffmpeg outlives its worker on purpose (so its playlist always ends); stop the ones this
    bench started, by pid, found by our temporary folder in their command line."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"ffmpeg" in cmdline[0] and any(str(var).encode() in part for part in cmdline):
            with contextlib.suppress(OSError):
                os.kill(int(proc.name), signal.SIGKILL)


if __name__ == "__main__":
    main()
