"""Episode markers in a name, table by table: `S01E02`, `1x02`, `Season 3 Episode 9`, dates, ranges and lists.

A continuation after a dash is a range (`S01E23-E26`, `02x03-04-15`), without one it adds an episode
(`S01E01E02`, `02x03x04x15`); a spaced dash continues only with an explicit marker (`02x03 - x04`, `S01E01 - E02`),
so `4x01 - 20 Hours` and `S05E23 11-59` keep one episode, and a resolution (`-1080p`, `-720i`) never continues.
"""

from __future__ import annotations

import re

from reelhouse.ingest.naming.common import YEAR

_NOT_RESOLUTION = r"(?![0-9])(?![pi](?![a-z]))"
# Season-episode: S01E02, S01 E02, s01.e02, S01xE02, S01x02, S2009E23-E24-E26, S01E01E02.
SXE_RE = re.compile(
    r"(?<![a-z0-9])s(?P<season>\d{1,4})(?:[\s._-]*x?[\s._-]*e|x)(?P<first>\d{1,4})"
    r"(?P<more>(?:(?:[\s._]*-[\s._]*(?:s\d{1,4})?e|[\s._]*-[\s._]*(?:\d{1,4})?x|-e?|x?e|x|~e?)\d{1,4}"
    + _NOT_RESOLUTION + r")*)(?![0-9])",
    re.I,
)
# NxNN: 1x02, 2009x02, 02x03-04-15, 02x03 - 02x04 - 02x15, 02x03 - x04 - x15, 02x03x04x15, 02x03-E15, 2016x1.
NXN_RE = re.compile(
    rf"(?<![a-z0-9])(?P<season>\d{{1,2}}|{YEAR})x(?P<first>\d{{1,3}})"
    r"(?P<more>(?:(?:[\s._]*-[\s._]*(?:\d{1,4})?x|[\s._]*-[\s._]*e|-e?|x)\d{1,4}" + _NOT_RESOLUTION + r")*)"
    r"(?![0-9a-z])",
    re.I,
)
# Spelled out: `The Sopranos Season 3 Episode 09`.
SPELLED_RE = re.compile(
    r"(?<![a-z0-9])season[\s._-]*(?P<season>\d{1,4})[\s._-]*episode[\s._-]*(?P<first>\d{1,4})(?P<more>)(?![0-9])",
    re.I,
)
# An episode without a season: `Show.2017.E07`, `Foo_ep_02`, `E01-E16`, `E01~E16` (never `WALL-E 2008`).
EPISODE_ONLY_RE = re.compile(
    rf"(?<![a-z0-9])(?:e(?=\d)|ep[\s._]?)(?!{YEAR}(?!\d))(?P<first>\d{{1,4}})"
    r"(?P<more>(?:[-~]e?\d{1,4}" + _NOT_RESOLUTION + r")*)(?![0-9])",
    re.I,
)
_MORE_RE = re.compile(r"([-~])?[\s._]*(?:(?:\d{1,4})?x|(?:s\d{1,4})?e)?[\s._]*(\d{1,4})", re.I)
DATE_RE = re.compile(rf"(?<![0-9])(?P<y>{YEAR})[-._ ](?P<m>\d\d)[-._ ](?P<d>\d\d)(?![0-9])")
DATE_YEAR_LAST_RE = re.compile(rf"(?<![0-9])(?P<a>\d\d)[-._ ](?P<b>\d\d)[-._ ](?P<y>{YEAR})(?![0-9])")


def numbers(first: str, more: str) -> tuple[int, ...]:
    """Episode numbers from a marker: `-E03` extends a range, `E03` adds one episode."""
    found = [int(first)]
    for dash, value in _MORE_RE.findall(more):
        n = int(value)
        if dash and n > found[-1] and n - found[-1] <= 50:
            found.extend(range(found[-1] + 1, n + 1))
        elif n not in found:
            found.append(n)
    return tuple(found)


def episode_range(first: str | int, last: str | int | None) -> tuple[int, ...]:
    """`01-03` -> (1, 2, 3); an implausible range keeps the first number only."""
    first, last = int(first), int(last or first)
    return tuple(range(first, last + 1)) if 0 < last - first <= 50 else (first,)


def season_marker(text: str) -> re.Match | None:
    """The first season-and-episode marker in text (spelled out, S01E02 or 1x02)."""
    return SPELLED_RE.search(text) or SXE_RE.search(text) or NXN_RE.search(text)
