"""Shared pieces of the ported naming tables: a row, and the view of an Identity that a row's expectations read.

A row asserts only the fields its source asserts (Jellyfin's tests check, say, the episode number alone), plus the
kind. Names are compared the way Reelhouse writes them: release dots and underscores read as spaces and case is
ignored (Jellyfin keeps `The.Series.Name` and compares series names case-insensitively; Reelhouse writes
`The Series Name`). That is the one difference applied to every row; any other difference is a row of its own in a
table of deliberate differences, with the reason.
"""

import re
from pathlib import PurePosixPath

import pytest

from reelhouse.ingest.naming import Identity, identify_path


def row(path: str, *, xfail: str | None = None, why: str | None = None, **expect):
    """One table row. `why` (for deliberate differences) says why Reelhouse's answer differs from the source's;
    `xfail` marks a row Reelhouse does not get right yet (strict: it fails loudly once it starts passing)."""
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(path, expect, why, marks=marks, id=path)


def _name(value):
    if value is None:
        return None
    return re.sub(r"\s+", " ", re.sub(r"[._]", " ", value)).strip().casefold()


def view(ident: Identity) -> dict:
    episodes = ident.episodes
    return {
        "kind": ident.kind,
        # Jellyfin's "name": the series of an episode (or a series' extra), the title of a film.
        "name": _name(ident.series if ident.series else ident.title),
        "title": _name(ident.title),
        "year": ident.year,
        "season": ident.season,
        "episode": episodes[0] if episodes else None,
        "last": episodes[-1] if len(episodes) > 1 else None,
        "episodes": episodes,
        "absolute": ident.absolute,
        "date": ident.air_date,
        "extra": ident.extra_type,
        "part": ident.part,
        "version": ident.version,
        "edition": ident.edition,
    }


def check(path: str, expect: dict, default_kind: str | None) -> None:
    found = view(identify_path(PurePosixPath(path)))
    wanted = ({"kind": default_kind} if default_kind else {}) | expect
    wanted = {k: _name(v) if k in ("name", "title") else v for k, v in wanted.items()}
    got = {k: found[k] for k in wanted}
    assert got == wanted, found
