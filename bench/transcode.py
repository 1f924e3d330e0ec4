"""Transcode benchmark: the pipeline's one-pass ladder against a hand-written single ffmpeg command and against
one ffmpeg process per rung, on a 30-s 1080p synthetic mezzanine with motion. Prints wall and CPU time, bits and
VMAF per rung, and a capped-CRF (content-adaptive) ladder's saving; never asserts. Last line: one JSON object.

    REELHOUSE_TESTING=1 .venv/bin/python bench/transcode.py [--seconds 30] [--runs 2] [--preset veryfast]
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
import django

django.setup()

from reelhouse.media import conf  # noqa: E402
from reelhouse.media.probe import probe  # noqa: E402
from reelhouse.media.transcode.ladder import ladder_for  # noqa: E402
from reelhouse.media.transcode.package import package_build  # noqa: E402

FF = conf.ffmpeg_path()


def make_mezzanine(path: Path, seconds: int) -> None:
    """1080p25 with motion everywhere: the moving test pattern, a slow hue sweep and temporal grain; stereo audio."""
    video = f"testsrc2=size=1920x1080:rate=25:duration={seconds},hue=H=t*0.4,noise=alls=10:allf=t+u"
    subprocess.run([FF, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video,
                    "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}", "-map", "0:v", "-map", "1:a",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "14", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "192k", str(path)], check=True)


def timed(fn) -> tuple[float, float]:
    """(wall, CPU of children) seconds for fn()."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def handwritten(source: Path, out: Path, preset: str) -> None:
    """The best single command written by hand for the same ladder: split + scale, same rates, same GOP, fMP4 HLS."""
    out.mkdir()
    rungs = ladder_for(1920, 1080)
    graph = (f"[0:v]split={len(rungs)}" + "".join(f"[s{i}]" for i in range(len(rungs))) + ";"
             + ";".join(f"[s{i}]scale={r.width}:{r.height}[v{i}]" for i, r in enumerate(rungs)))
    cmd = [FF, "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-filter_complex", graph]
    for i, r in enumerate(rungs):
        cmd += ["-map", f"[v{i}]", f"-b:v:{i}", f"{r.video_kbps}k", f"-maxrate:v:{i}", f"{r.maxrate_kbps}k",
                f"-bufsize:v:{i}", f"{r.bufsize_kbps}k"]
    cmd += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-c:v", "libx264", "-preset", preset,
            "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-f", "hls", "-hls_time", "6",
            "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
            "-var_stream_map", "a:0,agroup:a " + " ".join(f"v:{i},agroup:a" for i in range(len(rungs))),
            "-master_pl_name", "master.m3u8", str(out / "%v" / "index.m3u8")]
    subprocess.run(cmd, check=True)


def per_rung(source: Path, out: Path, preset: str) -> None:
    """One ffmpeg process per rung (each decodes the source again), run one after another."""
    out.mkdir()
    for r in ladder_for(1920, 1080):
        (out / r.name).mkdir()
        subprocess.run([FF, "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-map", "0:v:0",
                        "-map", "0:a:0", "-vf", f"scale={r.width}:{r.height}", "-c:v", "libx264", "-preset", preset,
                        "-b:v", f"{r.video_kbps}k", "-maxrate", f"{r.maxrate_kbps}k", "-bufsize",
                        f"{r.bufsize_kbps}k", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-c:a", "aac",
                        "-b:a", "128k", "-ac", "2", "-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod",
                        "-hls_segment_type", "fmp4", str(out / r.name / "index.m3u8")], check=True)


def crf_ladder(source: Path, out: Path, preset: str, crf: int) -> None:
    """Content-adaptive variant: capped CRF (quality target, the fixed ladder's maxrate as the cap), one pass."""
    out.mkdir()
    rungs = ladder_for(1920, 1080)
    graph = (f"[0:v]split={len(rungs)}" + "".join(f"[s{i}]" for i in range(len(rungs))) + ";"
             + ";".join(f"[s{i}]scale={r.width}:{r.height}[v{i}]" for i, r in enumerate(rungs)))
    cmd = [FF, "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-filter_complex", graph]
    for i, r in enumerate(rungs):
        cmd += ["-map", f"[v{i}]", f"-crf:v:{i}", str(crf), f"-maxrate:v:{i}", f"{r.maxrate_kbps}k",
                f"-bufsize:v:{i}", f"{r.bufsize_kbps}k"]
    cmd += ["-c:v", "libx264", "-preset", preset, "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
            "-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
            "-var_stream_map", " ".join(f"v:{i},name:{r.name}" for i, r in enumerate(rungs)),
            str(out / "%v" / "index.m3u8")]
    subprocess.run(cmd, check=True)


def rung_bits(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.m4s")) * 8


def vmaf(source: Path, playlist: Path, subsample: int) -> float:
    """VMAF of a rung against the source, both scaled to 1080p (how a viewer's player shows it)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as log:
        graph = ("[0:v]scale=1920:1080:flags=bicubic,setpts=PTS-STARTPTS,format=yuv420p[d];"
                 "[1:v]setpts=PTS-STARTPTS,format=yuv420p[r];"
                 f"[d][r]libvmaf=n_subsample={subsample}:n_threads=2:log_fmt=json:log_path={log.name}")
        subprocess.run([FF, "-hide_banner", "-loglevel", "error", "-i", str(playlist), "-i", str(source),
                        "-filter_complex", graph, "-f", "null", "-"], check=True)
        return json.loads(Path(log.name).read_text())["pooled_metrics"]["vmaf"]["mean"]


def first_playable(source: Path, out: Path) -> float:
    """Seconds until a quick low rung (360p, x264 ultrafast, growing EVENT playlist) has its first segment listed:
    how soon a viewer could start if that rung were published first (the 'watchable fast' design)."""
    out.mkdir()
    playlist = out / "index.m3u8"
    start = time.perf_counter()
    proc = subprocess.Popen([FF, "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-map", "0:v:0",
                             "-map", "0:a:0", "-vf", "scale=640:360", "-c:v", "libx264", "-preset", "ultrafast",
                             "-b:v", "730k", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-c:a", "aac",
                             "-ac", "2", "-f", "hls", "-hls_time", "6", "-hls_playlist_type", "event",
                             "-hls_segment_type", "fmp4", str(playlist)])
    seen = None
    while proc.poll() is None and seen is None:
        if playlist.exists() and ".m4s" in playlist.read_text(errors="replace"):
            seen = time.perf_counter() - start
        time.sleep(0.05)
    proc.wait()
    return seen if seen is not None else time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--runs", type=int, default=2, help="alternating rounds of the three ways")
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--crf", type=int, default=26)
    parser.add_argument("--vmaf-subsample", type=int, default=5, help="score every Nth frame")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-transcode-"))
    try:
        source = root / "mezzanine.mp4"
        print(f"making a {args.seconds}-s 1080p mezzanine with motion ...", flush=True)
        make_mezzanine(source, args.seconds)
        info = probe(source)
        print(f"  {info.width}x{info.height} {info.fps} fps {info.duration_s:.1f} s, "
              f"{source.stat().st_size * 8 / info.duration_s / 1e6:.1f} Mb/s; ffmpeg {FF}")
        ways = {
            "pipeline": lambda out: package_build(source=source, dest=out, preset=args.preset),
            "handwritten": lambda out: handwritten(source, out, args.preset),
            "per_rung": lambda out: per_rung(source, out, args.preset),
        }
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in ways}
        for run in range(args.runs):
            order = list(ways) if run % 2 == 0 else list(reversed(ways))  # alternate to share drift fairly
            for name in order:
                out = root / f"{name}-{run}"
                wall, cpu = timed(lambda out=out, name=name: ways[name](out))
                times[name].append((wall, cpu))
                print(f"  run {run + 1} {name:>11}: wall {wall:6.1f} s  cpu {cpu:6.1f} s", flush=True)
                if run < args.runs - 1 or name != "pipeline":
                    shutil.rmtree(out)
        best = {k: min(w for w, _ in v) for k, v in times.items()}
        print(f"best wall: pipeline {best['pipeline']:.1f} s, handwritten {best['handwritten']:.1f} s, "
              f"per-rung {best['per_rung']:.1f} s")
        pipeline_out = root / f"pipeline-{args.runs - 1}"
        crf_out = root / "crf"
        crf_wall, _ = timed(lambda: crf_ladder(source, crf_out, args.preset, args.crf))
        print(f"capped CRF {args.crf} ladder: wall {crf_wall:.1f} s")
        rungs = []
        for r in ladder_for(info.display_width, info.display_height):
            fixed_bits, crf_bits = rung_bits(pipeline_out / r.name), rung_bits(crf_out / r.name)
            fixed_vmaf = vmaf(source, pipeline_out / r.name / "index.m3u8", args.vmaf_subsample)
            crf_vmaf = vmaf(source, crf_out / r.name / "index.m3u8", args.vmaf_subsample)
            rungs.append({"rung": r.name, "size": f"{r.width}x{r.height}",
                          "fixed_kbps": round(fixed_bits / info.duration_s / 1000), "fixed_vmaf": round(fixed_vmaf, 2),
                          "crf_kbps": round(crf_bits / info.duration_s / 1000), "crf_vmaf": round(crf_vmaf, 2)})
            print(f"  {r.name:>6} {r.width}x{r.height}: fixed {rungs[-1]['fixed_kbps']} kb/s VMAF {fixed_vmaf:.1f}"
                  f" | capped CRF {rungs[-1]['crf_kbps']} kb/s VMAF {crf_vmaf:.1f}", flush=True)
        fixed_total = sum(r["fixed_kbps"] for r in rungs)
        crf_total = sum(r["crf_kbps"] for r in rungs)
        fp = first_playable(source, root / "quick")
        print(f"quick 360p EVENT rung: first segment listed after {fp:.1f} s")
        result = {
            "seconds": args.seconds, "preset": args.preset, "cores": os.cpu_count(),
            "pipeline_wall_s": round(best["pipeline"], 2), "handwritten_wall_s": round(best["handwritten"], 2),
            "per_rung_wall_s": round(best["per_rung"], 2),
            "pipeline_cpu_s": round(min(c for _, c in times["pipeline"]), 2),
            "pipeline_vs_handwritten": round(best["pipeline"] / best["handwritten"], 3),
            "per_rung_vs_pipeline": round(best["per_rung"] / best["pipeline"], 3),
            "first_playable_s": round(fp, 2), "first_playable_full_package_s": round(best["pipeline"], 2),
            "rungs": rungs, "crf": args.crf, "crf_bits_saving": round(1 - crf_total / fixed_total, 3),
            "crf_vmaf_delta": round(sum(r["crf_vmaf"] - r["fixed_vmaf"] for r in rungs) / len(rungs), 2),
        }
        print(json.dumps(result))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
