"""Coverage-guided fuzzing (atheris / libFuzzer) of the partner-feed parser (parse_feed: JSON manifests and Media
RSS): any response body either parses into a Feed whose entries are each usable or carry a problem, or raises
FeedError, nothing else. The input's first byte picks the Content-Type the server claimed (see CONTENT_TYPES).
Run by `make fuzz`; by hand:

    .venv/bin/python fuzz/feed_fuzz.py var/fuzz/feed fuzz/corpus/feed -dict=fuzz/feed.dict -max_total_time=60"""

import inspect
import json.decoder
import os
import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
os.environ.setdefault("REELHOUSE_VAR_DIR", str(ROOT / "var" / "fuzz"))

import django  # noqa: E402

django.setup()  # feeds.py imports the ingest models (for downloads); parsing touches no database

from reelhouse.ingest import feeds  # noqa: E402  (already imported by the apps' setup: instrumented below)
from reelhouse.ingest.feeds import Feed, FeedError, parse_feed  # noqa: E402

# The module was imported during setup, so atheris.instrument_imports would see nothing new: instrument the
# feed module's own functions (and the JSON decoder's Python part) in place instead.
for value in [*vars(feeds).values(), *vars(json.decoder).values()]:
    if inspect.isfunction(value) and value.__module__ in (feeds.__name__, "json.decoder"):
        atheris.instrument_func(value)

CONTENT_TYPES = ["application/json", "application/rss+xml", "", "text/xml; charset=utf-8", "text/html",
                 "application/octet-stream"]
URL = "https://partner.example.com/feeds/deliveries"


def test_one_input(data: bytes) -> None:
    content_type = CONTENT_TYPES[data[0] % len(CONTENT_TYPES)] if data else ""
    try:
        feed = parse_feed(data[1:], content_type=content_type, url=URL)
    except FeedError:
        return
    assert isinstance(feed, Feed)
    for entry in feed.entries:
        if not entry.problem:  # a usable entry: a relative path inside the landing folder and a checksum
            assert entry.path and not entry.path.startswith("/") and ".." not in entry.path.split("/"), entry
            assert len(entry.sha256) == 64, entry


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
