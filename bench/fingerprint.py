"""Content fingerprint benchmark: distinct synthetic sources (lavfi: testsrc2, mandelbrot, life, cellauto, gradients,
sierpinski; sine or noise audio) and transformed copies of each (high-CRF re-encode, 480p, 10% crop, letterbox,
logo, mirrored, colour and noise, speed +-4%, first half, last half, another audio track). Every copy is looked up
in a library holding every source plus the full-scale synthetic catalog (183,200 episodes and 10,500 films, their
frames indexed as seed_scale indexes them), through the same candidate search and frame comparison as ingest.

Reports per transformation: detection rate (the copy matches its own source), false positives (it matches any
other source), at each sampling rate asked for (the justification of the default); fingerprinting speed (x real
time) and its overhead on the transcode's wall time (package_build with and without the tap, alternating runs); the
build of the full-scale index and the lookup time of a 45-minute delivery against it. Prints figures, never
asserts. Last line: one JSON object.

    REELHOUSE_TESTING=1 .venv/bin/python bench/fingerprint.py [--sources 6] [--seconds 12] [--rates 0.5,1,2]
        [--scale 1.0]   # share of the full-scale catalog to index (1.0: all of it)
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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
import django

django.setup()

from reelhouse.media import conf  # noqa: E402
from reelhouse.media.fingerprints import library  # noqa: E402
from reelhouse.media.fingerprints.engine import VideoPrint, fingerprint_file  # noqa: E402
from reelhouse.media.fingerprints.synthetic import SCALE_EPISODES, SCALE_FILMS, synthetic_library  # noqa: E402
from reelhouse.media.transcode.package import package_build  # noqa: E402

FF = conf.ffmpeg_path()
SIZE = "960x540"
# (video, audio): distinct content, distinct sound. The cellular automata step 6 times a second (each generation
# held for 4 frames): a picture that changes completely 25 times a second is noise that no sampled fingerprint can
# follow through a speed change, and nothing like filmed video.
PATTERNS = [
    ("testsrc2=size={size}:rate=25", "sine=frequency=330"),
    ("mandelbrot=size={size}:rate=25:start_x=-0.743643887037151:start_y=0.131825904205330", "sine=frequency=550"),
    ("life=size={size}:rate=6:seed=7:mold=10:life_color=#00ff88:death_color=#aa0044:ratio=0.2,fps=25",
     "anoisesrc=color=pink:seed=7"),
    ("cellauto=size={size}:rate=6:rule=30:seed=11,fps=25", "sine=frequency=770"),
    ("gradients=size={size}:rate=25:seed=5:speed=0.02:n=5", "anoisesrc=color=brown:seed=5"),
    ("sierpinski=size={size}:rate=25:seed=3:type=carpet", "sine=frequency=220"),
    ("life=size={size}:rate=6:seed=99:mold=5:life_color=#ffcc00:death_color=#0033aa:ratio=0.4,fps=25",
     "anoisesrc=color=white:seed=99"),
    ("mandelbrot=size={size}:rate=25:start_x=-1.25066:start_y=0.02012:start_scale=0.3", "sine=frequency=990"),
]
TRANSFORMS = {  # name: (video filters, extra output args, input args)
    "reencode_crf38": ("null", [], []),
    "downscale_480p": ("scale=-2:480", [], []),
    "crop_10pct": ("crop=iw*0.9:ih*0.9", [], []),
    "letterbox": ("scale=iw:ih*0.75,pad=iw:ih/0.75:0:(oh-ih)/2", [], []),
    "logo_overlay": ("drawbox=x=iw-260:y=24:w=236:h=90:color=white@0.8:t=fill,"
                     "drawbox=x=iw-240:y=44:w=196:h=50:color=red@0.9:t=fill", [], []),
    "mirrored": ("hflip", [], []),
    "colour_noise": ("eq=saturation=1.5:brightness=0.06:gamma=1.2,noise=alls=14:allf=t", [], []),
    "speed_plus_4pct": ("setpts=PTS/1.04", ["-af", "atempo=1.04"], []),
    "speed_minus_4pct": ("setpts=PTS*1.04", ["-af", "atempo=0.9615"], []),
    "first_half": ("null", ["-t", "{half}"], []),
    "last_half": ("null", [], ["-ss", "{half}"]),
    "other_audio": ("null", ["-map", "0:v", "-map", "1:a", "-shortest"], ["-f", "lavfi", "-i", "anoisesrc=seed=1"]),
}
MUST = ("reencode_crf38", "downscale_480p")  # 100% required


def make_source(path: Path, k: int, seconds: float) -> None:
    video, audio = PATTERNS[k % len(PATTERNS)]
    subprocess.run([FF, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video.format(size=SIZE),
                    "-f", "lavfi", "-i", audio,
                    "-t", str(seconds), "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "veryfast",
                    "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(path)], check=True)


def make_copy(source: Path, out: Path, name: str, seconds: float) -> None:
    vf, extra, inputs = TRANSFORMS[name]
    half = f"{seconds / 2:.2f}"
    pre = [a.replace("{half}", half) for a in inputs]
    cmd = [FF, "-hide_banner", "-loglevel", "error", "-y"]
    if pre and pre[0] == "-ss":
        cmd += [*pre, "-i", str(source)]
    else:
        cmd += ["-i", str(source), *pre]
    cmd += ["-vf", vf, *[a.replace("{half}", half) for a in extra], "-c:v", "libx264", "-preset", "veryfast",
            "-crf", "38" if name == "reencode_crf38" else "30", "-pix_fmt", "yuv420p", "-c:a", "aac", str(out)]
    subprocess.run(cmd, check=True)


def lookup(indexes: list, query: VideoPrint, prints: dict[int, VideoPrint]) -> list[int]:
    """Ids of the sources `query` matches (candidates from the indexes, confirmed frame by frame)."""
    found = []
    for candidate in [c for index in indexes for c in library.candidates(index, query)]:
        theirs = prints.get(candidate.fingerprint_id)
        if theirs is not None and library.compare(query, theirs).segments:
            found.append(candidate.fingerprint_id)
    return found


def overhead(source: Path, runs: int) -> dict:
    """package_build's wall time with and without the fingerprint tap, alternating (ratio of medians)."""
    walls = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="fp-bench-") as tmp:
        for run in range(runs):
            for tap in (run % 2 == 0, run % 2 == 1):
                dest = Path(tmp) / f"p{run}{tap}"
                started = time.perf_counter()
                package_build(source=source, dest=dest, fingerprint=tap, downloads=False, adaptive=False)
                walls[tap].append(time.perf_counter() - started)
                shutil.rmtree(dest)
    with_tap, without = float(np.median(walls[True])), float(np.median(walls[False]))
    return {"with_s": round(with_tap, 2), "without_s": round(without, 2),
            "overhead_pct": round((with_tap / without - 1) * 100, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--rates", default="0.5,1,2")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--overhead-runs", type=int, default=4)
    parser.add_argument("--workdir", help="keep the sources and copies here (and reuse those already made)")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="fp-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"making {args.sources} sources of {args.seconds:g} s at {SIZE} and "
              f"{len(TRANSFORMS)} copies of each ...", flush=True)
        sources, copies = [], {}
        for k in range(args.sources):
            src = work / f"src{k}.mp4"
            if not src.exists():
                make_source(src, k, args.seconds)
            sources.append(src)
            for name in TRANSFORMS:
                out = work / f"src{k}-{name}.mp4"
                if not out.exists():
                    make_copy(src, out, name, args.seconds)
                copies[(k, name)] = out

        # The full-scale library: synthetic frames of every episode and film, as seed_scale indexes them.
        episodes = round(SCALE_EPISODES * args.scale)
        films = round(SCALE_FILMS * args.scale)
        started = time.perf_counter()
        index = library.new_index()
        synthetic = synthetic_library(episodes=episodes, films=films, first_id=1_000_000)
        frames = 0
        for ids, codes in synthetic:
            index.add_with_ids(codes, ids)
            frames += len(ids)
        index.build()
        build_s = time.perf_counter() - started
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"full-scale index: {episodes:,} episodes + {films:,} films, {frames:,} indexed hashes, built in "
              f"{build_s:.0f} s, peak memory {rss_mb:,.0f} MB", flush=True)

        results = {}
        fp_seconds = fp_media = 0.0
        for rate in rates:
            prints = {}
            own = library.new_index()  # the sources, beside the full-scale library (both are searched)
            for k, src in enumerate(sources):
                started = time.perf_counter()
                prints[k] = fingerprint_file(src, rate=rate)
                if rate == 1.0:
                    fp_seconds += time.perf_counter() - started
                    fp_media += args.seconds
                ids, codes = library.index_rows(k, prints[k].hashes, prints[k].zoomed, prints[k].quality, rate)
                own.add_with_ids(codes, ids)
            per = {}
            for (k, name), path in copies.items():
                query = fingerprint_file(path, rate=rate)
                found = lookup([index, own], query, prints)
                row = per.setdefault(name, {"detected": 0, "false_positives": 0, "copies": 0})
                row["copies"] += 1
                row["detected"] += k in found
                row["false_positives"] += len([f for f in found if f != k])
            results[rate] = per

        print(f"\n{'transformation':<18}" + "".join(f"{f'detect @{r:g}fps':>16}{'false +':>9}" for r in rates))
        for name in TRANSFORMS:
            line = f"{name:<18}"
            for rate in rates:
                row = results[rate][name]
                line += f"{row['detected']}/{row['copies']:<14}{row['false_positives']:>9}"
            print(line)
        totals = {}
        for rate in rates:
            rows = results[rate].values()
            copies_n = sum(r["copies"] for r in rows)
            totals[rate] = {"detect_rate": round(sum(r["detected"] for r in rows) / copies_n, 3),
                            "false_positives": sum(r["false_positives"] for r in rows),
                            "must_rate": round(sum(results[rate][m]["detected"] for m in MUST)
                                               / sum(results[rate][m]["copies"] for m in MUST), 3)}
            print(f"@{rate:g} fps: detection {totals[rate]['detect_rate']:.1%} overall, "
                  f"{totals[rate]['must_rate']:.0%} for re-encodes and rescales, "
                  f"{totals[rate]['false_positives']} false positives")

        # Lookup of a 45-minute delivery (1 fps: 2,700 frames, as shown and mirrored) against the full-scale index.
        rng = np.random.default_rng(45)
        n = 45 * 60
        query = VideoPrint(rate=1.0, hashes=rng.integers(0, 256, (n, 32), dtype=np.uint8),
                           mirrored=rng.integers(0, 256, (n, 32), dtype=np.uint8),
                           zoomed=rng.integers(0, 256, (n, 32), dtype=np.uint8),
                           quality=np.full(n, 100, np.uint8))
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            found = library.candidates(index, query)
            timings.append(time.perf_counter() - started)
        lookup_ms = float(np.median(timings)) * 1000
        print(f"\nlookup of a 45-min delivery ({n:,} frames x 2) against {frames:,} indexed hashes: "
              f"{lookup_ms:.0f} ms (median of 3; {len(found)} candidates)")

        x_realtime = fp_media / fp_seconds if fp_seconds else 0.0
        print(f"fingerprinting on its own (a decode of its own, 1 fps): {x_realtime:.1f}x real time")
        cost = overhead(sources[0], args.overhead_runs)
        print(f"transcode of a {args.seconds:g}-s {SIZE} source: {cost['without_s']} s without the tap, "
              f"{cost['with_s']} s with it: {cost['overhead_pct']:+.1f}% wall time")
        main_rate = 1.0 if 1.0 in totals else rates[0]
        print(json.dumps({"detect_rate": totals[main_rate]["detect_rate"],
                          "detect_rate_reencode_rescale": totals[main_rate]["must_rate"],
                          "false_positives": totals[main_rate]["false_positives"],
                          "fingerprint_x_realtime": round(x_realtime, 1),
                          "lookup_ms_full_scale": round(lookup_ms, 1),
                          "transcode_overhead_pct": cost["overhead_pct"],
                          "index_hashes": frames, "index_build_s": round(build_s, 1),
                          "index_peak_rss_mb": round(rss_mb), "sample_fps": main_rate,
                          "by_rate": {str(r): totals[r] for r in rates}}))
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
