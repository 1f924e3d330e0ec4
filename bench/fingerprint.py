"""Content fingerprint benchmark: distinct synthetic sources (lavfi: testsrc2, mandelbrot, life, cellauto, gradients,
sierpinski; each with a tune of its own, synthetic.tune) and transformed copies of each (high-CRF re-encode, 480p, 10%
crop, letterbox, logo, mirrored, colour and noise, speed +-4%, first half, last half, another tune). Every copy is
looked up in a library holding every source plus the full-scale synthetic catalog (183,200 episodes and 10,500 films,
their frames and chromaprint values indexed as seed_scale indexes them), through the same candidate searches (pictures
and sound) and comparisons as ingest: a copy matches when its pictures or its sound do.

Reports per transformation: detection by the pictures, by the sound, and by either (what ingest decides), false
positives (a copy matching any other source, by either), at each sampling rate asked for (`--rates 0.5,1,2`
justifies the default of 1 fps); fingerprinting speed (x real time) and its overhead on the transcode's wall time
(package_build with and without the tap, alternating runs, on the bench's short clip and on a longer one); the build
of the full-scale indexes and the lookup time of a 45-minute delivery against them. Prints figures, never asserts.
Last line: one JSON object.

    REELHOUSE_TESTING=1 .venv/bin/python bench/fingerprint.py [--sources 6] [--seconds 20] [--rates 1]
        [--scale 1.0]   # share of the full-scale catalog to index (1.0: all of it)
        [--overhead-seconds 120] [--overhead-runs 4] [--workdir DIR (keeps and reuses the clips)]
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
from reelhouse.media.fingerprints import audio, library  # noqa: E402
from reelhouse.media.fingerprints.engine import VideoPrint, fingerprint_file  # noqa: E402
from reelhouse.media.fingerprints.synthetic import (  # noqa: E402
    SCALE_EPISODES,
    SCALE_FILMS,
    synthetic_library,
    tune,
)
from reelhouse.media.transcode.package import package_build  # noqa: E402

FF = conf.ffmpeg_path()
SIZE = "960x540"
# Distinct pictures, each source with a tune of its own (seeded by its number). The cellular automata step 6 times
# a second (each generation held for 4 frames): a picture that changes completely 25 times a second is noise that no
# sampled fingerprint can follow through a speed change, and nothing like filmed video.
PATTERNS = [
    "testsrc2=size={size}:rate=25",
    "mandelbrot=size={size}:rate=25:start_x=-0.743643887037151:start_y=0.131825904205330",
    "life=size={size}:rate=6:seed=7:mold=10:life_color=#00ff88:death_color=#aa0044:ratio=0.2,fps=25",
    "cellauto=size={size}:rate=6:rule=30:seed=11,fps=25",
    "gradients=size={size}:rate=25:seed=5:speed=0.02:n=5",
    "sierpinski=size={size}:rate=25:seed=3:type=carpet",
    "life=size={size}:rate=6:seed=99:mold=5:life_color=#ffcc00:death_color=#0033aa:ratio=0.4,fps=25",
    "mandelbrot=size={size}:rate=25:start_x=-1.25066:start_y=0.02012:start_scale=0.3",
]
OTHER_TUNE = 1000  # the "other audio" copies' tune: none of the sources'
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
    "other_audio": ("null", ["-map", "0:v", "-map", "1:a", "-shortest"], ["-f", "lavfi", "-i", tune(OTHER_TUNE)]),
}
MUST = ("reencode_crf38", "downscale_480p")  # 100% required


def make_source(path: Path, k: int, seconds: float) -> None:
    video = PATTERNS[k % len(PATTERNS)]
    subprocess.run([FF, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video.format(size=SIZE),
                    "-f", "lavfi", "-i", tune(k + 1),
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


def lookup(indexes: list, sounds: list, query: VideoPrint, prints: dict[int, VideoPrint]) -> dict[int, set]:
    """The sources `query` matches and by what ({id: {"pictures", "sound"}}): candidates from the indexes, confirmed
    by the same comparisons as ingest."""
    query_sound = audio.items(query.audio)
    wanted = {c.fingerprint_id for index in indexes for c in library.candidates(index, query)}
    wanted |= {c.fingerprint_id for index in sounds for c in audio.candidates(index, query_sound)}
    found: dict[int, set] = {}
    for fingerprint_id in wanted:
        theirs = prints.get(fingerprint_id)
        if theirs is None:
            continue  # a synthetic one: nothing behind it (none was ever proposed in our runs)
        if library.compare(query, theirs).segments:
            found.setdefault(fingerprint_id, set()).add("pictures")
        if audio.compare(query_sound, audio.items(theirs.audio)).segments:
            found.setdefault(fingerprint_id, set()).add("sound")
    return found


def overhead(source: Path, runs: int) -> dict:
    """package_build's wall time with and without the tap, alternating (ratio of medians)."""
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
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="source length; the halves must outlast chromaprint's ~2.7-s lead-in and three 2-s "
                             "windows of sound (at 12 s a half is 6 s: no sound fingerprint can match it)")
    parser.add_argument("--rates", default="1")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--overhead-runs", type=int, default=4)
    parser.add_argument("--overhead-seconds", type=float, default=120.0,
                        help="length of the longer clip the transcode overhead is also measured on (0: skip)")
    parser.add_argument("--workdir", help="keep the sources and copies here (and reuse those already made)")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="fp-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    bench_started = time.perf_counter()
    try:
        print(f"making {args.sources} sources of {args.seconds:g} s at {SIZE} and "
              f"{len(TRANSFORMS)} copies of each ...", flush=True)
        sources, copies = [], {}
        for k in range(args.sources):
            src = work / f"src{k}-{args.seconds:g}s.mp4"
            if not src.exists():
                make_source(src, k, args.seconds)
            sources.append(src)
            for name in TRANSFORMS:
                out = work / f"src{k}-{args.seconds:g}s-{name}.mp4"
                if not out.exists():
                    make_copy(src, out, name, args.seconds)
                copies[(k, name)] = out

        # The full-scale library: synthetic frames and sounds of every episode and film, as seed_scale indexes them.
        episodes = round(SCALE_EPISODES * args.scale)
        films = round(SCALE_FILMS * args.scale)
        started = time.perf_counter()
        index, sound_index = library.new_index(), audio.AudioIndex()
        frames = sounds = 0
        for ids, codes, sound_ids, values in synthetic_library(episodes=episodes, films=films, first_id=1_000_000):
            index.add_with_ids(codes, ids)
            sound_index.add_with_ids(values, sound_ids)
            frames += len(ids)
            sounds += len(sound_ids)
        index.build()
        sound_index.build()
        build_s = time.perf_counter() - started
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"full-scale indexes: {episodes:,} episodes + {films:,} films, {frames:,} picture hashes and "
              f"{sounds:,} chromaprint values, built in {build_s:.0f} s, peak memory {rss_mb:,.0f} MB", flush=True)

        results = {}
        fp_seconds = fp_media = 0.0
        for rate in rates:
            prints = {}
            own, own_sound = library.new_index(), audio.AudioIndex()  # the sources, beside the full-scale library
            for k, src in enumerate(sources):
                started = time.perf_counter()
                prints[k] = fingerprint_file(src, rate=rate)
                if rate == 1.0:
                    fp_seconds += time.perf_counter() - started
                    fp_media += args.seconds
                ids, codes = library.index_rows(k, prints[k].hashes, prints[k].zoomed, prints[k].quality, rate)
                own.add_with_ids(codes, ids)
                ids, values = audio.index_rows(k, audio.items(prints[k].audio))
                own_sound.add_with_ids(values, ids)
            per = {}
            for (k, name), path in copies.items():
                query = fingerprint_file(path, rate=rate)
                found = lookup([index, own], [sound_index, own_sound], query, prints)
                row = per.setdefault(name, {"detected": 0, "pictures": 0, "sound": 0, "false_positives": 0,
                                            "copies": 0, "missed": []})
                row["copies"] += 1
                row["detected"] += k in found
                row["pictures"] += "pictures" in found.get(k, ())
                row["sound"] += "sound" in found.get(k, ())
                row["false_positives"] += len([f for f in found if f != k])
                if k not in found:
                    row["missed"].append(PATTERNS[k % len(PATTERNS)].split("=")[0] + f" (source {k})")
            results[rate] = per

        for rate in rates:
            print(f"\n@{rate:g} fps  {'transformation':<18}{'pictures':>10}{'sound':>8}{'either':>8}{'false +':>9}")
            for name in TRANSFORMS:
                row = results[rate][name]
                print(f"{'':<10}{name:<18}{row['pictures']:>6}/{row['copies']:<3}{row['sound']:>4}/{row['copies']:<3}"
                      f"{row['detected']:>4}/{row['copies']:<3}{row['false_positives']:>9}"
                      + (f"   missed: {', '.join(row['missed'])}" if row["missed"] else ""))
        totals = {}
        for rate in rates:
            rows = results[rate].values()
            copies_n = sum(r["copies"] for r in rows)
            totals[rate] = {"detect_rate": round(sum(r["detected"] for r in rows) / copies_n, 3),
                            "detect_rate_pictures": round(sum(r["pictures"] for r in rows) / copies_n, 3),
                            "detect_rate_sound": round(sum(r["sound"] for r in rows) / copies_n, 3),
                            "false_positives": sum(r["false_positives"] for r in rows),
                            "must_rate": round(sum(results[rate][m]["detected"] for m in MUST)
                                               / sum(results[rate][m]["copies"] for m in MUST), 3)}
            print(f"@{rate:g} fps: detection {totals[rate]['detect_rate']:.1%} overall (pictures alone "
                  f"{totals[rate]['detect_rate_pictures']:.1%}, sound alone {totals[rate]['detect_rate_sound']:.1%}), "
                  f"{totals[rate]['must_rate']:.0%} for re-encodes and rescales, "
                  f"{totals[rate]['false_positives']} false positives")

        # Lookup of a 45-minute delivery (1 fps: 2,700 frames, as shown and mirrored; ~21,800 chromaprint values)
        # against the full-scale indexes: the candidate searches of library_matches.
        rng = np.random.default_rng(45)
        n = 45 * 60
        query = VideoPrint(rate=1.0, hashes=rng.integers(0, 256, (n, 32), dtype=np.uint8),
                           mirrored=rng.integers(0, 256, (n, 32), dtype=np.uint8),
                           zoomed=rng.integers(0, 256, (n, 32), dtype=np.uint8),
                           quality=np.full(n, 100, np.uint8))
        query_sound = rng.integers(0, 2**32, round(n / audio.ITEM_S), dtype=np.uint32)
        timings, sound_timings = [], []
        for _ in range(3):
            started = time.perf_counter()
            found = library.candidates(index, query)
            timings.append(time.perf_counter() - started)
            started = time.perf_counter()
            heard = audio.candidates(sound_index, query_sound)
            sound_timings.append(time.perf_counter() - started)
        pictures_ms, sound_ms = float(np.median(timings)) * 1000, float(np.median(sound_timings)) * 1000
        lookup_ms = pictures_ms + sound_ms
        print(f"\nlookup of a 45-min delivery against the full-scale indexes: pictures ({n:,} frames x 2 against "
              f"{frames:,} hashes) {pictures_ms:.0f} ms, {len(found)} candidates; sound ({len(query_sound):,} values "
              f"against {sounds:,}) {sound_ms:.0f} ms, {len(heard)} candidates; {lookup_ms:.0f} ms together "
              f"(medians of 3)")

        x_realtime = fp_media / fp_seconds if fp_seconds else 0.0
        print(f"fingerprinting on its own (a decode of its own, 1 fps): {x_realtime:.1f}x real time", flush=True)
        cost = overhead(sources[0], args.overhead_runs)
        print(f"transcode of a {args.seconds:g}-s {SIZE} source: {cost['without_s']} s without the tap, "
              f"{cost['with_s']} s with it: {cost['overhead_pct']:+.1f}% wall time", flush=True)
        long_cost = None
        if args.overhead_seconds:
            long_source = work / f"long{args.overhead_seconds:g}.mp4"
            if not long_source.exists():
                make_source(long_source, 1, args.overhead_seconds)
            long_cost = overhead(long_source, args.overhead_runs)
            print(f"transcode of a {args.overhead_seconds:g}-s {SIZE} source: {long_cost['without_s']} s without "
                  f"the tap, {long_cost['with_s']} s with it: {long_cost['overhead_pct']:+.1f}% wall time")
        main_rate = 1.0 if 1.0 in totals else rates[0]
        print(f"bench wall time {time.perf_counter() - bench_started:.0f} s")
        print(json.dumps({"detect_rate": totals[main_rate]["detect_rate"],
                          "detect_rate_pictures": totals[main_rate]["detect_rate_pictures"],
                          "detect_rate_sound": totals[main_rate]["detect_rate_sound"],
                          "detect_rate_reencode_rescale": totals[main_rate]["must_rate"],
                          "false_positives": totals[main_rate]["false_positives"],
                          "fingerprint_x_realtime": round(x_realtime, 1),
                          "lookup_ms_full_scale": round(lookup_ms, 1),
                          "lookup_ms_pictures": round(pictures_ms, 1), "lookup_ms_sound": round(sound_ms, 1),
                          "transcode_overhead_pct": cost["overhead_pct"],
                          "transcode_overhead_pct_long": long_cost["overhead_pct"] if long_cost else None,
                          "overhead_long_seconds": args.overhead_seconds,
                          "index_hashes": frames, "index_sound_values": sounds, "index_build_s": round(build_s, 1),
                          "index_peak_rss_mb": round(rss_mb), "sample_fps": main_rate,
                          "per_transform": {name: results[main_rate][name] for name in TRANSFORMS},
                          "by_rate": {str(r): totals[r] for r in rates}}))
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
