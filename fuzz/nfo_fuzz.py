"""Coverage-guided fuzzing (atheris / libFuzzer) of the NFO reader: any bytes as a sidecar file either read or
raise NfoError, nothing else. Run by `make fuzz` (FUZZ_SECONDS per target); by hand:

    .venv/bin/python fuzz/nfo_fuzz.py var/fuzz/nfo fuzz/corpus/nfo -dict=fuzz/nfo.dict -max_total_time=60

libFuzzer adds the inputs that reach new code to the first folder (keep fuzz/corpus/ for the seeds) and writes a
crashing input to -artifact_prefix; reproduce one with `python fuzz/nfo_fuzz.py that-file`."""

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["reelhouse.ingest.nfo", "defusedxml"]):
    from reelhouse.ingest.nfo import NfoError, read_nfo_all

WORK = Path(tempfile.mkdtemp(prefix="nfo-fuzz-"))
TARGET = WORK / "movie.nfo"


def test_one_input(data: bytes) -> None:
    TARGET.write_bytes(data)
    with contextlib.suppress(NfoError):  # the reader's own refusal; anything else is a finding
        read_nfo_all(TARGET)


def main() -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    atheris.Setup(sys.argv, test_one_input)
    try:
        atheris.Fuzz()
    finally:
        TARGET.unlink(missing_ok=True)
        os.rmdir(WORK)


if __name__ == "__main__":
    main()
