"""Search-as-you-type under hostile queries: the one-typo expansion with its caps off (as it was) and on (textnorm.
TypoCaps), side by side in one run, on a seeded catalog (a slice of the scale catalog: series, episodes and films with
their search index) in a fresh SQLite database, or PostgreSQL with --postgresql URL. For each query: the variants
generated and the time of the one-typo full-text query (median of --repeat runs), then the whole catalog_search as
a subscriber's request runs it. Prints, never asserts; ends with one JSON line.

    REELHOUSE_TESTING=1 .venv/bin/python bench/search_hostile.py [--series 600] [--repeat 5] [--postgresql URL]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--series", type=int, default=600, help="series to seed (episodes: 30 per series)")
parser.add_argument("--repeat", type=int, default=5)
parser.add_argument("--postgresql", default="", help="a PostgreSQL URL to seed and measure instead of SQLite")
args = parser.parse_args()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
WORK = Path(tempfile.mkdtemp(prefix="bench-search-"))
os.environ["REELHOUSE_VAR_DIR"] = str(WORK / "var")
if args.postgresql:
    os.environ["DATABASE_URL"] = args.postgresql
else:
    os.environ.pop("DATABASE_URL", None)
import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

if not args.postgresql:
    settings.DATABASES["default"]["NAME"] = str(WORK / "bench.sqlite3")
call_command("migrate", verbosity=0)

from reelhouse.catalog import search, seeding, textnorm  # noqa: E402
from reelhouse.catalog.selectors import catalog_search  # noqa: E402
from reelhouse.playback.seeding import audience_write  # noqa: E402

JUNK = "qzxjvkwpfbmhgtdnlrscyaoeiuqzxjvk"  # 32 letters
QUERIES = {
    # what the brief calls hostile: 8 words of 32 junk letters (the 200-character query cut keeps 6 of them)
    "8 words x 32 junk letters": " ".join(JUNK[i:] + JUNK[:i] for i in range(8)),
    # the worst a query can do within the caps: 8 words right at the length cap
    "8 words x 14 letters": " ".join(JUNK[i:i + 14] for i in range(8)),
    "typical typo 'harbuor lihgts'": "harbuor lihgts",
}


def median_s(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    if not seeding.seeded():
        shape = seeding.Shape(series=args.series, episodes=args.series * 30, films=args.series * 2,
                              subscribers=50, progress_rows=1000, plays_7d=500)
        started = time.perf_counter()
        counts = seeding.seed_scale(shape, audience=audience_write)
        print(f"seeded {counts.get('search_entries')} search entries in {time.perf_counter() - started:.0f} s "
              f"({connection.vendor})")
    caps = textnorm.TYPO_CAPS
    print(f"caps: {caps.words} words, {caps.chars} letters a word, {caps.variants} variants in all")
    print(f"{'query':34} {'variants off':>12} {'variants on':>11} {'typo query off ms':>17} "
          f"{'typo query on ms':>16} {'ratio':>7} {'search on ms':>12}")
    figures = {}
    for label, query in QUERIES.items():
        tokens = textnorm.query_tokens(query)
        row = {}
        for name, chosen in (("off", None), ("on", caps)):
            groups = search.typo_groups(tokens, caps=chosen)
            row[f"variants_{name}"] = sum(len(g) for g in groups) if groups else 0
            row[f"typo_ms_{name}"] = 1000 * median_s(
                lambda groups=groups: groups and search.match_rank_keys(words=groups, prefix_last=False,
                                                                        column="terms", limit=20), args.repeat)
        row["search_on_ms"] = 1000 * median_s(lambda query=query: catalog_search(query=query), args.repeat)
        ratio = row["typo_ms_off"] / row["typo_ms_on"] if row["typo_ms_on"] > 0.01 else float("inf")
        print(f"{label:34} {row['variants_off']:>12} {row['variants_on']:>11} {row['typo_ms_off']:>17.1f} "
              f"{row['typo_ms_on']:>16.1f} {ratio:>6.0f}x {row['search_on_ms']:>12.1f}")
        figures[label] = {k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}
    print(json.dumps({"database": connection.vendor, "caps": caps.__dict__, "queries": figures}))


if __name__ == "__main__":
    main()
