"""Transcode benchmark: the pipeline's one-pass ladder against a hand-written single ffmpeg command and against
one ffmpeg process per rung, on a 30-s 1080p synthetic mezzanine with motion (wall and CPU time, alternating runs).
Then the content-adaptive ladder against the fixed one on two sources, an easy one (a talking head: still
background, one moving region, light grain) and the hard one (motion and grain everywhere): per rung the bits
spent and the VMAF against the source (ffmpeg's libvmaf, every rung scaled to 1080p as a player shows it), and the
saving at equal VMAF. Prints figures, never asserts. Last line: one JSON object.

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
from reelhouse.media.transcode.adaptive import vmaf_scores  # noqa: E402
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


def make_easy(path: Path, seconds: int) -> None:
    """1080p25 talking head: a still background, a 480x640 moving region where the face would be, a small caption
    and light temporal grain (a camera's); stereo audio."""
    graph = (f"gradients=size=1920x1080:rate=25:duration={seconds}:speed=0.0002:c0=0x28323c:c1=0x6e7a86[bg];"
             f"testsrc2=size=480x640:rate=25:duration={seconds},hue=s=0.4[head];"
             "[bg][head]overlay=x=720+20*sin(t/3):y=300,drawbox=x=160:y=900:w=700:h=80:color=0xe0e0e0:t=fill,"
             "noise=alls=3:allf=t[v]")
    subprocess.run([FF, "-hide_banner", "-loglevel", "error", "-y", "-filter_complex", graph,
                    "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}", "-map", "[v]", "-map", "0:a",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "14", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "192k", "-t", str(seconds), str(path)], check=True)


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


def rung_bits(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.m4s")) * 8


def compare(name: str, source: Path, fixed: Path, adaptive, subsample: int) -> dict:
    """Per rung: kb/s and VMAF of the fixed ladder's package and of the adaptive one (`adaptive`: PackageResult)."""
    info = probe(source)
    rungs = ladder_for(info.display_width, info.display_height)
    playlists = [fixed / r.name / "index.m3u8" for r in rungs] + [adaptive.directory / r.name / "index.m3u8"
                                                                 for r in rungs]
    scores = vmaf_scores(reference=source, encodes=playlists, size=(1920, 1080), subsample=subsample)
    chosen = {d["rung"]: d for d in adaptive.ladder}
    rows = []
    for i, r in enumerate(rungs):
        row = {"rung": r.name, "fixed_kbps": round(rung_bits(fixed / r.name) / info.duration_s / 1000),
               "fixed_vmaf": round(scores[i], 2), "crf": chosen.get(r.name, {}).get("crf"),
               "adaptive_kbps": round(rung_bits(adaptive.directory / r.name) / info.duration_s / 1000),
               "adaptive_vmaf": round(scores[len(rungs) + i], 2)}
        rows.append(row)
        crf = f"CRF {row['crf']:g}" if row["crf"] is not None else "fixed rate"
        print(f"  {name:>4} {r.name:>6} {r.width}x{r.height}: fixed {row['fixed_kbps']:5d} kb/s VMAF "
              f"{row['fixed_vmaf']:5.1f} | adaptive ({crf}) {row['adaptive_kbps']:5d} kb/s VMAF "
              f"{row['adaptive_vmaf']:5.1f}", flush=True)
    fixed_total = sum(r["fixed_kbps"] for r in rows)
    deltas = [r["adaptive_vmaf"] - r["fixed_vmaf"] for r in rows]
    saving = 1 - sum(r["adaptive_kbps"] for r in rows) / fixed_total
    equal = min(deltas) >= -1.0
    print(f"  {name}: adaptive ladder spends {saving:.1%} fewer bits, VMAF delta mean {sum(deltas) / len(deltas):+.2f} "
          f"(worst rung {min(deltas):+.2f}) -> {'same quality' if equal else 'NOT the same quality'}; "
          f"probe took {adaptive.ladder_probe_s or 0:.1f} s", flush=True)
    return {"rungs": rows, "bits_saving": round(saving, 3), "vmaf_delta_mean": round(sum(deltas) / len(deltas), 2),
            "vmaf_delta_worst": round(min(deltas), 2), "equal_vmaf_within_1": equal,
            "saving_at_equal_vmaf": round(saving, 3) if equal else None,
            "probe_s": round(adaptive.ladder_probe_s or 0, 1)}


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
    parser.add_argument("--vmaf-subsample", type=int, default=5, help="score every Nth frame")
    parser.add_argument("--skip-timing", action="store_true", help="only the fixed vs adaptive ladder comparison")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-transcode-"))
    try:
        source = root / "mezzanine.mp4"
        print(f"making a {args.seconds}-s 1080p mezzanine with motion ...", flush=True)
        make_mezzanine(source, args.seconds)
        info = probe(source)
        print(f"  {info.width}x{info.height} {info.fps} fps {info.duration_s:.1f} s, "
              f"{source.stat().st_size * 8 / info.duration_s / 1e6:.1f} Mb/s; ffmpeg {FF}")
        result: dict = {"seconds": args.seconds, "preset": args.preset, "cores": os.cpu_count(),
                        "load_avg_1m_start": round(os.getloadavg()[0], 1)}
        fixed_hard = root / "fixed-hard"
        if not args.skip_timing:
            ways = {  # the fixed ladder: the same rate control as the hand-written command
                "pipeline": lambda out: package_build(source=source, dest=out, preset=args.preset, adaptive=False),
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
                    if run == args.runs - 1 and name == "pipeline":
                        out.rename(fixed_hard)
                    else:
                        shutil.rmtree(out)
            best = {k: min(w for w, _ in v) for k, v in times.items()}
            print(f"best wall: pipeline {best['pipeline']:.1f} s, handwritten {best['handwritten']:.1f} s, "
                  f"per-rung {best['per_rung']:.1f} s")
            fp = first_playable(source, root / "quick")
            print(f"quick 360p EVENT rung: first segment listed after {fp:.1f} s")
            result |= {
                "pipeline_wall_s": round(best["pipeline"], 2), "handwritten_wall_s": round(best["handwritten"], 2),
                "per_rung_wall_s": round(best["per_rung"], 2),
                "pipeline_cpu_s": round(min(c for _, c in times["pipeline"]), 2),
                "pipeline_vs_handwritten": round(best["pipeline"] / best["handwritten"], 3),
                "per_rung_vs_pipeline": round(best["per_rung"] / best["pipeline"], 3),
                "first_playable_s": round(fp, 2), "first_playable_full_package_s": round(best["pipeline"], 2),
            }
        else:
            package_build(source=source, dest=fixed_hard, preset=args.preset, adaptive=False, trickplay=False,
                          downloads=False)

        print("content-adaptive ladder vs fixed ladder (VMAF of every rung scaled to 1080p) ...", flush=True)
        easy = root / "talking-head.mp4"
        make_easy(easy, args.seconds)
        fixed_easy = root / "fixed-easy"
        package_build(source=easy, dest=fixed_easy, preset=args.preset, adaptive=False, trickplay=False,
                      downloads=False)
        adaptive: dict[str, dict] = {}
        for name, src, fixed in (("easy", easy, fixed_easy), ("hard", source, fixed_hard)):
            start = time.perf_counter()
            built = package_build(source=src, dest=root / f"adaptive-{name}", preset=args.preset, adaptive=True,
                                  trickplay=False, downloads=False)
            print(f"  {name}: adaptive package (probe included) built in {time.perf_counter() - start:.1f} s",
                  flush=True)
            adaptive[name] = compare(name, src, fixed, built, args.vmaf_subsample)
        both = [adaptive["easy"], adaptive["hard"]]
        result |= {"adaptive": adaptive,
                   "adaptive_saving_easy": adaptive["easy"]["bits_saving"],
                   "adaptive_saving_hard": adaptive["hard"]["bits_saving"],
                   "adaptive_vmaf_delta_worst": min(a["vmaf_delta_worst"] for a in both),
                   "adaptive_equal_vmaf": all(a["equal_vmaf_within_1"] for a in both),
                   "load_avg_1m_end": round(os.getloadavg()[0], 1)}
        print(json.dumps(result))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
