"""Tiles and pictures, the home page's largest part after its queries: CPU per home page's worth of tiles (160, as
the scale catalog's home page shows), without and with posters, this tree's catalog_tags side by side with another
git ref's (--baseline, main by default), in one process, rounds alternating between the two.

    .venv/bin/python bench/tiles.py [--baseline main] [--tiles 160] [--rounds 5]

The cards are a home page's (title, year, subtitle, progress, a watch URL; posters stored as variant sets, as
artwork_store names them), some with characters HTML escapes. The baseline's module is its catalog_tags.py loaded
from git beside this tree's (both use this tree's Django and artwork module). Also says whether both render the
same HTML. CPU is the process's (time.process_time). Prints figures, never asserts; the last line is one JSON
object.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
TAGS = "reelhouse/catalog/templatetags/catalog_tags.py"


def load_baseline(ref: str, folder: Path):
    path = folder / "baseline_catalog_tags.py"
    path.write_bytes(subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:{TAGS}"], check=True,
                                    capture_output=True).stdout)
    spec = importlib.util.spec_from_file_location("baseline_catalog_tags", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cards(n: int, *, posters: bool) -> list:
    return [SimpleNamespace(
        title=f"Title {i} & \"Sons\" <{i % 7}>", year=2000 + i % 25 if i % 4 else None,
        subtitle=f"S{i % 9 + 1} E{i % 20 + 1} · L'épisode" if i % 2 else "", progress_pct=(i * 7) % 100,
        url=f"/watch/{1000 + i}/", poster=f"artwork/poster/{i % 256:02x}/{i:024x}/w400.jpg" if posters else "")
        for i in range(n)]


def cpu_ms(render, rows: list, repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        render(rows)
    return (time.process_time() - started) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="main", help="git ref measured beside this tree (default: main)")
    parser.add_argument("--tiles", type=int, default=160)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
    os.environ.setdefault("REELHOUSE_VAR_DIR", tempfile.mkdtemp(prefix="bench-tiles-"))
    import django

    django.setup()
    from reelhouse.catalog.templatetags import catalog_tags

    with tempfile.TemporaryDirectory() as tmp:
        trees = {args.baseline: load_baseline(args.baseline, Path(tmp)), "this tree": catalog_tags}
    figures = {}
    print(f"bench/tiles.py: {args.tiles} tiles, {args.rounds} rounds; load average "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    for kind in ("no posters", "posters"):
        rows = cards(args.tiles, posters=kind == "posters")
        html = {name: str(module.tiles(rows)) for name, module in trees.items()}
        samples = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, module in trees.items():
                samples[name].append(cpu_ms(module.tiles, rows, 50))
        base, this = (statistics.median(samples[name]) for name in trees)
        same = len(set(html.values())) == 1
        print(f"{kind:10s}: {args.baseline} {base:.2f} ms, this tree {this:.2f} ms per {args.tiles} tiles "
              f"({base / this:.2f}x); same HTML: {'yes' if same else 'NO'}")
        key = kind.replace(" ", "_")
        figures |= {f"{key}_baseline_ms": round(base, 3), f"{key}_ms": round(this, 3),
                    f"{key}_ratio": round(base / this, 2), f"{key}_same_html": same}
    print(json.dumps({"bench": "tiles", "baseline": args.baseline, "tiles": args.tiles} | figures))


if __name__ == "__main__":
    main()
