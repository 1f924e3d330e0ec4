"""`reelhouse ingest identify` and `reelhouse ingest scan`, run as an operator would."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

PATHS = [
    "Die Brücke (2011)/Season 01/Die Brücke - S01E03 - Tödliche Grenze.mkv",
    "Amélie (2001)/Amélie (2001).mkv",
    "Show - 2016-12-19 - Title.mkv",
    "notes.txt",
    "video.mkv",
]


@pytest.fixture
def library(tmp_path) -> Path:
    root = tmp_path / "library"
    for rel in PATHS:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"")
    (root / "Amélie (2001)/movie.nfo").write_text(
        "<movie><title>Le Fabuleux Destin d'Amélie Poulain</title><year>2001</year></movie>", encoding="utf-8")
    (root / "Die Brücke (2011)/Season 01/Die Brücke - S01E03 - Tödliche Grenze.de.srt").write_text("1\n")
    return root


def identify_lines(*args) -> list[dict]:
    out = io.StringIO()
    call_command("ingest", "identify", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def check(records: list[dict]) -> None:
    episode, film, daily, notes, unknown = records
    assert [r["path"] for r in records] == PATHS
    assert {k: episode[k] for k in ("kind", "series", "title", "year", "season", "episodes", "air_date")} == {
        "kind": "episode", "series": "Die Brücke", "title": "Tödliche Grenze", "year": 2011, "season": 1,
        "episodes": [3], "air_date": None}
    assert episode["subtitles"][0]["language"] == "de"
    assert (film["kind"], film["title"], film["year"]) == ("film", "Le Fabuleux Destin d'Amélie Poulain", 2001)
    assert (daily["kind"], daily["series"], daily["air_date"], daily["episodes"]) == (
        "episode", "Show", "2016-12-19", [])
    assert notes["kind"] == "other" and "not a video file (.txt)" in notes["reason"]
    assert unknown["kind"] == "other" and "cannot tell" in unknown["reason"]


def test_identify_prints_one_json_object_per_path_in_order(library):
    check(identify_lines("--root", str(library), *PATHS))


def test_identify_accepts_absolute_paths_inside_root(library):
    records = identify_lines("--root", str(library), *(str(library / p) for p in PATHS))
    assert [r["kind"] for r in records] == ["episode", "film", "episode", "other", "other"]


def test_identify_reports_paths_outside_root_and_fails(library, tmp_path):
    (tmp_path / "secret.mkv").write_bytes(b"")
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"2 path\(s\) outside --root"):
        call_command("ingest", "identify", "--root", str(library), "notes.txt", str(tmp_path / "secret.mkv"),
                     "../secret.mkv", stdout=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["kind"] for r in records] == ["other", "other", "other"]
    assert "outside --root" in records[1]["reason"] and "outside --root" in records[2]["reason"]


def test_identify_as_a_subprocess(library):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "reelhouse.manage", "ingest", "identify", "--root", str(library),
                             *PATHS], capture_output=True, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode()
    check([json.loads(line) for line in result.stdout.decode("utf-8").splitlines()])


@pytest.mark.django_db(transaction=True)
def test_scan_prints_counts_per_source(licensed_source):
    folder = Path(licensed_source.path)
    (folder / "notes.txt").write_text("not a video\n")
    (folder / "poster.jpg").write_bytes(b"")  # a sidecar: not counted
    out = io.StringIO()
    call_command("ingest", "scan", stdout=out)
    assert out.getvalue().strip() == "Test source: seen 1, new 1, received 0, skipped 0"
    out = io.StringIO()
    call_command("ingest", "scan", stdout=out)
    assert out.getvalue().strip() == "Test source: seen 1, new 0, received 1, skipped 0"


@pytest.mark.django_db
def test_scan_without_sources():
    out = io.StringIO()
    call_command("ingest", "scan", stdout=out)
    assert out.getvalue().strip() == "no enabled sources"
