"""Media storage: local disk vs an S3-compatible store (a real SeaweedFS on this box, tests/seaweed.py), side by
side in one run, through the same functions the app uses (reelhouse/core/storage.py):

  * publishing a package: media_tree_upload of a synthetic ladder (segments, init files, playlists, master last);
  * serving segments: media_read_stream of each segment read whole, as the stream view streams it (in-process, no
    HTTP server in front: the storage's share of a segment request);
  * a transcode worker's fetch of its source: media_fetch with SHA-256 hashing, as source_fetched does.

Run: `.venv/bin/python bench/storage.py [--segments 60] [--segment-kb 200] [--source-mb 64]`. Prints figures and
ends with one JSON line. Loopback only; timings on a shared machine are noisy: compare the side-by-side ratios."""

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
os.environ.setdefault("REELHOUSE_VAR_DIR", str(ROOT / "var" / "bench-storage"))

import django  # noqa: E402

django.setup()

from django.test.utils import override_settings  # noqa: E402

from reelhouse.core.storage import (  # noqa: E402
    media_fetch,
    media_read_stream,
    media_tree_delete,
    media_tree_upload,
    storage_backend,
)
from tests.seaweed import seaweed_server  # noqa: E402  (the same SeaweedFS as the tests)


def synthetic_package(folder: Path, *, segments: int, segment_kb: int) -> int:
    """Three video rungs and one audio rendition of `segments` random segments each, with their playlists; bytes."""
    total = 0
    for rung in ("v720", "v480", "v360", "audio"):
        (folder / rung).mkdir(parents=True)
        (folder / rung / "init.mp4").write_bytes(os.urandom(1000))
        lines = ["#EXTM3U", "#EXT-X-MAP:URI=\"init.mp4\""]
        for i in range(segments):
            data = os.urandom(segment_kb * 1000 // (4 if rung == "audio" else 1))
            (folder / rung / f"seg_{i:05d}.m4s").write_bytes(data)
            total += len(data)
            lines += ["#EXTINF:4.0,", f"seg_{i:05d}.m4s"]
        (folder / rung / "index.m3u8").write_text("\n".join([*lines, "#EXT-X-ENDLIST", ""]))
    (folder / "master.m3u8").write_text("#EXTM3U\n" + "".join(
        f"#EXT-X-STREAM-INF:BANDWIDTH=1000000\n{r}/index.m3u8\n" for r in ("v720", "v480", "v360")))
    return total


def run(storage: dict, *, package: Path, names: list[str], source: Path, rounds: int) -> dict:
    with override_settings(STORAGES={"default": storage,
                                     "staticfiles": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}):
        uploads = []
        for i in range(rounds):
            started = time.perf_counter()
            media_tree_upload(local=package, prefix=f"packages/bench{i}")
            uploads.append(time.perf_counter() - started)
        reads = []
        for name in names:
            started = time.perf_counter()
            with media_read_stream(f"packages/bench0/{name}") as body:
                while body.read(1 << 16):
                    pass
            reads.append(time.perf_counter() - started)
        media_tree_upload(local=source.parent, prefix="sources/bench")
        with tempfile.TemporaryDirectory() as tmp:
            digest = hashlib.sha256()
            started = time.perf_counter()
            media_fetch(f"sources/bench/{source.name}", Path(tmp) / "source", on_block=digest.update)
            fetch_s = time.perf_counter() - started
        for i in range(rounds):
            media_tree_delete(f"packages/bench{i}")
        media_tree_delete("sources/bench")
    return {"upload_s": statistics.median(uploads), "read_ms_p50": statistics.median(reads) * 1000,
            "read_ms_p95": sorted(reads)[int(len(reads) * 0.95)] * 1000, "fetch_s": fetch_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segments", type=int, default=60, help="segments per rendition")
    parser.add_argument("--segment-kb", type=int, default=200)
    parser.add_argument("--source-mb", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="package uploads per storage (median reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rh-bench-storage-") as tmp:
        tmp = Path(tmp)
        package_bytes = synthetic_package(tmp / "package", segments=args.segments, segment_kb=args.segment_kb)
        names = [f"v720/seg_{i:05d}.m4s" for i in range(args.segments)]
        source = tmp / "src" / "source.mkv"
        source.parent.mkdir()
        source.write_bytes(os.urandom(args.source_mb * 1_000_000))
        local_root = tmp / "media"
        local_root.mkdir()
        results = {"local": run({"BACKEND": "django.core.files.storage.FileSystemStorage",
                                 "OPTIONS": {"location": str(local_root)}},
                                package=tmp / "package", names=names, source=source, rounds=args.rounds)}
        with seaweed_server() as store:
            results["s3"] = run(storage_backend(store.storage_url("bench"), access_key=store.access_key,
                                                secret_key=store.secret_key),
                                package=tmp / "package", names=names, source=source, rounds=args.rounds)
    mb = package_bytes / 1e6
    for kind, r in results.items():
        print(f"{kind:5}: package of {mb:.1f} MB uploaded in {r['upload_s']:.2f} s ({mb / r['upload_s']:.0f} MB/s); "
              f"segment read p50 {r['read_ms_p50']:.2f} ms, p95 {r['read_ms_p95']:.2f} ms; "
              f"{args.source_mb} MB source fetched+hashed in {r['fetch_s']:.2f} s "
              f"({args.source_mb / r['fetch_s']:.0f} MB/s)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (figures on a shared machine are noisy)")
    print(json.dumps({
        "package_mb": round(mb, 1), "segment_kb": args.segment_kb,
        "upload_mb_s_local": round(mb / results["local"]["upload_s"], 1),
        "upload_mb_s_s3": round(mb / results["s3"]["upload_s"], 1),
        "segment_read_ms_p50_local": round(results["local"]["read_ms_p50"], 2),
        "segment_read_ms_p50_s3": round(results["s3"]["read_ms_p50"], 2),
        "segment_read_s3_vs_local": round(results["s3"]["read_ms_p50"] / results["local"]["read_ms_p50"], 1),
        "source_fetch_mb_s_local": round(args.source_mb / results["local"]["fetch_s"], 1),
        "source_fetch_mb_s_s3": round(args.source_mb / results["s3"]["fetch_s"], 1),
        "load_average": round(os.getloadavg()[0], 1),
    }))


if __name__ == "__main__":
    main()
