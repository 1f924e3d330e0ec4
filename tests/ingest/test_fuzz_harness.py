"""The atheris harnesses under fuzz/ (run by `make fuzz`, not by the suite) still work: each runs its seed corpus,
real NFOs and partner feeds, without a finding, so `make fuzz` starts from a harness that imports and accepts the
parsers' current interfaces."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("target", ["nfo", "feed"])
def test_fuzz_harness_runs_its_seed_corpus(target, tmp_path):
    seeds = sorted((REPO / "fuzz" / "corpus" / target).iterdir())
    assert len(seeds) >= 3
    done = subprocess.run([sys.executable, str(REPO / "fuzz" / f"{target}_fuzz.py"), *map(str, seeds)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "REELHOUSE_VAR_DIR": str(tmp_path / "var")})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.count("Executed ") == len(seeds), done.stderr[-2000:]
