"""Content-adaptive (per-title) ladder: a complexity probe encodes a few short samples of the source at every rung,
the fixed ladder's way and at several CRFs (each capped by the fixed rung's maxrate), scores each against the
source with VMAF, and chooses per rung the highest CRF that still reaches the fixed rung's VMAF: the same quality
with fewer bits on easy content (talking heads, animation, static shots). A rung whose CRF would not save at
least MIN_SAVING of the bits (hard content: motion, grain) keeps the fixed ladder's bitrate, so hard content is
never given less than the fixed ladder gives it. Any failure of the probe means the fixed ladder, with a warning."""

import json
import math
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import av

from reelhouse.media import conf
from reelhouse.media.inputs import ffmpeg_input
from reelhouse.media.probe import MediaError, ProbeResult
from reelhouse.media.transcode import ffmpeg
from reelhouse.media.transcode.ladder import Rung

SAMPLE_COUNT = 5  # samples spread over the source...
SAMPLE_S = 2.0  # ...each one GOP long, so each starts on an IDR as in the real encode
CRFS = (18.0, 23.0, 28.0, 33.0)  # candidates; the answer is interpolated between the two around the target
LOW_CRFS = (10.0, 14.0)  # tried too when even CRF 18 misses yet costs far less than the fixed rate: a rung whose
# quality is bounded by its resolution (VMAF flat in CRF), e.g. 540p of a talking head at 2 Mb/s
VMAF_TOLERANCE = 0.5  # aim this far below the fixed rung's VMAF on the samples ("the same quality")
MIN_SAVING = 0.05  # a CRF rung must be estimated at least this much cheaper than the fixed rung, else it stays fixed
VMAF_SUBSAMPLE = 3  # score every 3rd frame of the samples
PROBE_TIMEOUT_S = 1800


class ProbeFailed(MediaError):
    """The complexity probe could not measure the source; the package is built with the fixed ladder."""


@dataclass(frozen=True)
class Point:
    """One encode of the samples: its rate control (crf None: the fixed average bitrate), bits and quality."""
    crf: float | None
    kbps: float
    vmaf: float


@dataclass(frozen=True)
class Decision:
    """What the probe chose for one rung, and why."""
    rung: str
    fixed: Point
    candidates: list[Point]
    crf: float | None  # None: the rung keeps the fixed bitrate
    expected_kbps: float
    expected_vmaf: float
    reason: str

    @property
    def expected_saving(self) -> float:
        return 1 - self.expected_kbps / self.fixed.kbps if self.fixed.kbps else 0.0


@dataclass
class AdaptiveLadder:
    rungs: list[Rung]
    decisions: list[Decision] = field(default_factory=list)
    probe_s: float = 0.0

    def report(self) -> list[dict]:
        """JSON-ready decisions, for the job's audit record and the benchmark."""
        return [{"rung": d.rung, "crf": d.crf, "fixed_kbps": round(d.fixed.kbps), "fixed_vmaf": round(d.fixed.vmaf, 2),
                 "expected_kbps": round(d.expected_kbps), "expected_vmaf": round(d.expected_vmaf, 2),
                 "reason": d.reason, "candidates": [asdict(p) for p in d.candidates]} for d in self.decisions]


def wanted(*, adaptive: bool | None, duration_s: float) -> bool:
    """Whether to probe: `adaptive` when given, else the REELHOUSE_ADAPTIVE_LADDER setting for sources of at least
    conf.adaptive_min_seconds() (for a short clip the probe would cost more than the bits it saves)."""
    if adaptive is not None:
        return adaptive
    return conf.adaptive_ladder() and duration_s >= conf.adaptive_min_seconds()


def sample_windows(duration_s: float, *, count: int = SAMPLE_COUNT, length_s: float = SAMPLE_S
                   ) -> list[tuple[float, float]]:
    """(start, length) of the samples: `count` windows centred in equal parts of the source (so the opening titles
    and end credits weigh no more than the rest), or the whole source when it is barely longer than they are."""
    if duration_s <= 0:
        raise ValueError(f"duration must be positive, got {duration_s}")
    if duration_s <= count * length_s * 1.5:
        return [(0.0, duration_s)]
    part = duration_s / count
    # whole GOPs from the start of the source, so the sample's keyframes fall where the real encode puts them
    return [(math.floor((part * (k + 0.5) - length_s / 2) / conf.GOP_SECONDS) * conf.GOP_SECONDS, length_s)
            for k in range(count)]


def decide(*, rung: str, fixed: Point, candidates: list[Point], tolerance: float = VMAF_TOLERANCE,
           min_saving: float = MIN_SAVING) -> Decision:
    """The highest CRF whose VMAF on the samples stays within `tolerance` of the fixed rung's, interpolated between
    the last candidate that reaches it and the first that does not (VMAF linear in CRF, bits exponential, over a
    few CRF steps); never past a candidate that missed. Falls back to the fixed bitrate when no CRF reaches the
    target or the saving would be under `min_saving`."""
    target = fixed.vmaf - tolerance
    ordered = sorted(candidates, key=lambda p: p.crf)
    passing = []
    for point in ordered:  # stop at the first miss: a noisy higher CRF that passes again is not trusted
        if point.vmaf < target:
            break
        passing.append(point)
    if not passing:
        return Decision(rung, fixed, ordered, None, fixed.kbps, fixed.vmaf,
                        f"no CRF reached VMAF {target:.1f} under the rung's cap: fixed bitrate")
    best = passing[-1]
    crf, kbps, vmaf = best.crf, best.kbps, best.vmaf
    missed = ordered[len(passing)] if len(passing) < len(ordered) else None
    if missed is not None and best.vmaf > missed.vmaf:
        step = (best.vmaf - target) / (best.vmaf - missed.vmaf) * (missed.crf - best.crf)
        crf = best.crf + math.floor(step * 2) / 2  # half CRF steps, rounded towards quality
        t = (crf - best.crf) / (missed.crf - best.crf)
        kbps = best.kbps * (missed.kbps / best.kbps) ** t if best.kbps > 0 and missed.kbps > 0 else best.kbps
        vmaf = best.vmaf + t * (missed.vmaf - best.vmaf)
    if kbps > fixed.kbps * (1 - min_saving):
        return Decision(rung, fixed, ordered, None, fixed.kbps, fixed.vmaf,
                        f"CRF {crf:g} would save under {min_saving:.0%} at VMAF {target:.1f}: fixed bitrate")
    return Decision(rung, fixed, ordered, crf, kbps, vmaf,
                    f"CRF {crf:g} reaches VMAF {vmaf:.1f} (fixed {fixed.vmaf:.1f}) with "
                    f"{1 - kbps / fixed.kbps:.0%} fewer bits")


def needs_lower_crfs(*, fixed: Point, candidates: list[Point], tolerance: float = VMAF_TOLERANCE,
                     min_saving: float = MIN_SAVING) -> bool:
    """Whether to try LOW_CRFS as well: even the lowest CRF tried misses the target, yet spends so much less than
    the fixed rate that a lower CRF could still reach it cheaper (quality bounded by the rung's resolution)."""
    lowest = min(candidates, key=lambda p: p.crf)
    return lowest.vmaf < fixed.vmaf - tolerance and lowest.kbps < fixed.kbps * (1 - min_saving)


def ladder_adapt(*, source: Path, info: ProbeResult, rungs: list[Rung], preset: str, workdir: Path) -> AdaptiveLadder:
    """Probe the source's complexity and return the ladder with a CRF on each rung that can save bits at the same
    VMAF. `workdir` (created, then removed) holds the samples. Raises ProbeFailed with ffmpeg's words."""
    started = time.monotonic()
    workdir.mkdir(parents=True)
    try:
        top = rungs[0]
        reference = _reference(source=source, info=info, size=(top.width, top.height), dest=workdir / "ref.mkv")
        decisions = []
        size = (top.width, top.height)
        for index, rung in enumerate(rungs):
            folder = workdir / f"r{index}"
            fixed, *candidates = _measure(reference=reference, info=info, rung=rung, preset=preset, size=size,
                                          variants=[rung] + [replace(rung, crf=crf) for crf in CRFS],
                                          folder=folder)
            decision = decide(rung=rung.name, fixed=fixed, candidates=candidates)
            if decision.crf is None and needs_lower_crfs(fixed=fixed, candidates=candidates):
                candidates += _measure(reference=reference, info=info, rung=rung, preset=preset, size=size,
                                       variants=[replace(rung, crf=crf) for crf in LOW_CRFS], folder=folder)
                decision = decide(rung=rung.name, fixed=fixed, candidates=candidates)
            decisions.append(decision)
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    adapted = [replace(rung, crf=d.crf) for rung, d in zip(rungs, decisions, strict=True)]
    return AdaptiveLadder(rungs=adapted, decisions=decisions, probe_s=time.monotonic() - started)


def _run(cmd: list[str], what: str) -> None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise ProbeFailed(f"complexity probe: {what} took over {PROBE_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        said = " | ".join(line for line in done.stderr.splitlines()[-6:] if line.strip()) or "no message"
        raise ProbeFailed(f"complexity probe: {what} failed (ffmpeg status {done.returncode}): {said}")


def _reference(*, source: Path, info: ProbeResult, size: tuple[int, int], dest: Path) -> Path:
    """The samples joined into one lossless file at the top rung's size, after the same deinterlace, frame rate
    and pixel format as the real encode: what every probe encode is made from and scored against."""
    windows = sample_windows(info.duration_s)
    rate = ffmpeg.output_rate(info.fps)
    cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    for start, length in windows:
        cmd += ["-ss", f"{start:.3f}", "-t", f"{length:.3f}", *ffmpeg_input(source)]
    pre = ["bwdif=mode=send_frame:deint=interlaced"] if info.interlaced else []
    chain = ",".join([*pre, f"fps={rate}", f"scale={size[0]}:{size[1]}:flags=bicubic", "setsar=1", "format=yuv420p"])
    inputs = "".join(f"[{i}:v:0]" for i in range(len(windows)))
    graph = f"{inputs}concat=n={len(windows)}:v=1:a=0,{chain}[ref]" if len(windows) > 1 else f"[0:v:0]{chain}[ref]"
    cmd += ["-filter_complex", graph, "-map", "[ref]", "-an", "-sn", "-c:v", "libx264", "-preset", "ultrafast",
            "-qp", "0", str(dest)]
    _run(cmd, "cutting the samples")
    return dest


def _measure(*, reference: Path, info: ProbeResult, rung: Rung, preset: str, size: tuple[int, int],
             variants: list[Rung], folder: Path) -> list[Point]:
    """Bits and VMAF of the samples encoded as each of `variants` (the rung, fixed or with a CRF)."""
    encodes = _encode_samples(reference=reference, info=info, rung=rung, preset=preset, folder=folder,
                              variants=variants)
    scores = vmaf_scores(reference=reference, encodes=[path for path, _ in encodes], size=size)
    return [replace(point, vmaf=score) for (_, point), score in zip(encodes, scores, strict=True)]


def _encode_samples(*, reference: Path, info: ProbeResult, rung: Rung, preset: str, folder: Path,
                    variants: list[Rung]) -> list[tuple[Path, Point]]:
    """Encode the reference at the rung's size as each of `variants` (one decode, one ffmpeg); return each file
    with its video bit rate (VMAF still 0)."""
    folder.mkdir(exist_ok=True)
    first = len(list(folder.glob("e*.mkv")))
    rate = ffmpeg.output_rate(info.fps)
    labels = "".join(f"[s{i}]" for i in range(len(variants)))
    graph = f"[0:v]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1,split={len(variants)}{labels}"
    cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-i", str(reference),
           "-filter_complex", graph]
    outputs = []
    for i, variant in enumerate(variants):
        path = folder / f"e{first + i}.mkv"
        cmd += ["-map", f"[s{i}]", *ffmpeg.x264_args(rate=rate, preset=preset), *ffmpeg.rate_control_args(variant),
                str(path)]
        outputs.append((path, variant))
    _run(cmd, f"encoding the samples at {rung.name}")
    return [(path, Point(crf=variant.crf, kbps=_video_kbps(path), vmaf=0.0)) for path, variant in outputs]


def _video_kbps(path: Path) -> float:
    """The video bit rate of an encode: its packets' bytes over its duration (no container overhead)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        size, frames = 0, 0
        for packet in container.demux(stream):
            if packet.size:
                size += packet.size
                frames += 1
        fps = float(stream.average_rate or stream.guessed_rate or 25)
    if not frames:
        raise ProbeFailed(f"complexity probe: {path.name} holds no video")
    return size * 8 / (frames / fps) / 1000


def vmaf_scores(*, reference: Path, encodes: list[Path], size: tuple[int, int], subsample: int = VMAF_SUBSAMPLE
                ) -> list[float]:
    """VMAF (mean over every `subsample`th frame) of each encode (a file or an HLS playlist) against the reference,
    both scaled to `size` as a player would show them; one ffmpeg decodes the reference once for all of them."""
    n = len(encodes)
    with tempfile.TemporaryDirectory(prefix="vmaf-") as folder:
        logs = [Path(folder) / f"{i}.json" for i in range(n)]
        cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
        for path in encodes:
            cmd += ["-i", str(path)]
        cmd += ["-i", str(reference)]
        refs = "".join(f"[r{i}]" for i in range(n))
        shown = f"scale={size[0]}:{size[1]}:flags=bicubic,setsar=1,setpts=PTS-STARTPTS,format=yuv420p"
        graph = [f"[{n}:v:0]{shown},split={n}{refs}"]
        threads = max(1, min(4, os.cpu_count() or 1))
        for i, log in enumerate(logs):
            graph.append(f"[{i}:v:0]{shown}[d{i}];[d{i}][r{i}]libvmaf=n_subsample={subsample}:n_threads={threads}:"
                         f"log_fmt=json:log_path={log}[o{i}]")
        cmd += ["-filter_complex", ";".join(graph)]
        for i in range(n):
            cmd += ["-map", f"[o{i}]"]
        cmd += ["-f", "null", "-"]
        _run(cmd, "scoring the samples with VMAF")
        scores = []
        for log in logs:
            try:
                scores.append(float(json.loads(log.read_text())["pooled_metrics"]["vmaf"]["mean"]))
            except (OSError, ValueError, KeyError) as exc:
                raise ProbeFailed(f"complexity probe: no VMAF score in {log.name} ({exc})") from exc
    return scores
