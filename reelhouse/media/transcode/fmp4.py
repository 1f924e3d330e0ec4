"""Fragmented MP4 (CMAF) segments read and rewritten at the box level: one movie fragment per GOP, and where each
keyframe lies, so an I-frame playlist can address every IDR (every GOP_SECONDS) by byte range.

ffmpeg's HLS muxer writes one moof+mdat per 6-s segment (its fMP4 flags cannot be changed without breaking its init
segment), and an I-frame byte range must start at a moof (RFC 8216bis 4.4.3.6): so after encoding, each segment is
split losslessly into one fragment per keyframe; the samples, their timing and the media playlists are unchanged."""

import struct
from dataclasses import dataclass
from pathlib import Path

import m3u8

NON_SYNC = 0x10000  # sample_is_non_sync_sample in the sample flags (ISO/IEC 14496-12 8.8.3.1)
TFHD_BASE_DATA_OFFSET, TFHD_DURATION, TFHD_SIZE, TFHD_FLAGS = 0x1, 0x8, 0x10, 0x20
TRUN_DATA_OFFSET, TRUN_FIRST_FLAGS = 0x1, 0x4
TRUN_DURATION, TRUN_SIZE, TRUN_FLAGS, TRUN_CTO = 0x100, 0x200, 0x400, 0x800


class Unsupported(ValueError):
    """A segment laid out in a way this module does not rewrite (it is left as it is)."""


@dataclass(frozen=True)
class Box:
    kind: bytes
    offset: int  # of the box header in the buffer
    size: int
    header: int  # 8, or 16 for a 64-bit size

    @property
    def body(self) -> slice:
        return slice(self.offset + self.header, self.offset + self.size)


def boxes(data: bytes, start: int = 0, end: int | None = None) -> list[Box]:
    """The boxes laid one after another in data[start:end]."""
    end = len(data) if end is None else end
    found, offset = [], start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, offset + 8)[0], 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise Unsupported(f"box {kind!r} at {offset} runs past the end ({size} bytes)")
        found.append(Box(kind, offset, size, header))
        offset += size
    return found


def _child(data: bytes, parent: Box, kind: bytes) -> Box | None:
    return next((b for b in boxes(data, parent.body.start, parent.body.stop) if b.kind == kind), None)


def _path(data: bytes, kinds: list[bytes]) -> Box | None:
    box = next((b for b in boxes(data) if b.kind == kinds[0]), None)
    for kind in kinds[1:]:
        if box is None:
            return None
        box = _child(data, box, kind)
    return box


@dataclass(frozen=True)
class Track:
    """What the init segment says about its (first) track: the timescale and the trex sample defaults."""
    timescale: int
    default_duration: int = 0
    default_size: int = 0
    default_flags: int = 0


def track_of(init: bytes) -> Track:
    mdhd = _path(init, [b"moov", b"trak", b"mdia", b"mdhd"])
    if mdhd is None:
        raise Unsupported("init segment has no moov/trak/mdia/mdhd")
    version = init[mdhd.body.start]
    timescale = struct.unpack_from(">I", init, mdhd.body.start + (20 if version == 1 else 12))[0]
    trex = _path(init, [b"moov", b"mvex", b"trex"])
    if trex is None:
        return Track(timescale=timescale)
    _, _, duration, size, flags = struct.unpack_from(">IIIII", init, trex.body.start + 4)
    return Track(timescale=timescale, default_duration=duration, default_size=size, default_flags=flags)


@dataclass(frozen=True)
class Sample:
    duration: int
    size: int
    flags: int
    cto: int

    @property
    def sync(self) -> bool:
        return not self.flags & NON_SYNC


@dataclass(frozen=True)
class Fragment:
    """One moof (one traf, one trun) and where its samples' bytes are."""
    moof: Box
    tfhd: bytes  # the whole tfhd box, reused as is
    trun_version: int
    trun_flags: int
    base_time: int  # tfdt: decode time of the first sample
    samples: list[Sample]
    data_start: int  # offset of the first sample's bytes in the segment

    @property
    def duration(self) -> int:
        return sum(s.duration for s in self.samples)


def fragments(data: bytes, track: Track) -> list[Fragment]:
    """Every movie fragment of a segment, parsed. Raises Unsupported for layouts not written by ffmpeg's muxer
    (several tracks or truns in a fragment, an explicit base data offset)."""
    found = []
    for moof in (b for b in boxes(data) if b.kind == b"moof"):
        trafs = [b for b in boxes(data, moof.body.start, moof.body.stop) if b.kind == b"traf"]
        if len(trafs) != 1:
            raise Unsupported(f"fragment at {moof.offset} has {len(trafs)} track fragments")
        parts = {b.kind: b for b in boxes(data, trafs[0].body.start, trafs[0].body.stop)}
        if set(parts) - {b"tfhd", b"tfdt", b"trun"} or not {b"tfhd", b"trun"} <= set(parts):
            raise Unsupported(f"fragment at {moof.offset} holds {sorted(parts)}")
        tfhd = parts[b"tfhd"]
        tf_flags = struct.unpack_from(">I", data, tfhd.body.start)[0] & 0xFFFFFF
        if tf_flags & TFHD_BASE_DATA_OFFSET:
            raise Unsupported(f"fragment at {moof.offset} sets an explicit base data offset")
        cursor = tfhd.body.start + 8  # after version/flags and track_ID
        cursor += 4 if tf_flags & 0x2 else 0  # sample_description_index
        defaults = {"duration": track.default_duration, "size": track.default_size, "flags": track.default_flags}
        for bit, key in ((TFHD_DURATION, "duration"), (TFHD_SIZE, "size"), (TFHD_FLAGS, "flags")):
            if tf_flags & bit:
                defaults[key] = struct.unpack_from(">I", data, cursor)[0]
                cursor += 4
        base_time = 0
        if b"tfdt" in parts:
            tfdt = parts[b"tfdt"]
            wide = data[tfdt.body.start] == 1
            base_time = struct.unpack_from(">Q" if wide else ">I", data, tfdt.body.start + 4)[0]
        trun = parts[b"trun"]
        head = struct.unpack_from(">I", data, trun.body.start)[0]
        version, flags = head >> 24, head & 0xFFFFFF
        count = struct.unpack_from(">I", data, trun.body.start + 4)[0]
        cursor = trun.body.start + 8
        data_offset = 0
        if flags & TRUN_DATA_OFFSET:
            data_offset = struct.unpack_from(">i", data, cursor)[0]
            cursor += 4
        first_flags = None
        if flags & TRUN_FIRST_FLAGS:
            first_flags = struct.unpack_from(">I", data, cursor)[0]
            cursor += 4
        samples = []
        for i in range(count):
            fields = {}
            for bit, key, fmt in ((TRUN_DURATION, "duration", ">I"), (TRUN_SIZE, "size", ">I"),
                                  (TRUN_FLAGS, "flags", ">I"), (TRUN_CTO, "cto", ">i" if version else ">I")):
                if flags & bit:
                    fields[key] = struct.unpack_from(fmt, data, cursor)[0]
                    cursor += 4
            sample_flags = fields.get("flags", first_flags if i == 0 and first_flags is not None else defaults["flags"])
            samples.append(Sample(duration=fields.get("duration", defaults["duration"]),
                                  size=fields.get("size", defaults["size"]), flags=sample_flags,
                                  cto=fields.get("cto", 0)))
        found.append(Fragment(moof=moof, tfhd=data[tfhd.offset:tfhd.offset + tfhd.size], trun_version=version,
                              trun_flags=flags | TRUN_DATA_OFFSET, base_time=base_time, samples=samples,
                              data_start=moof.offset + data_offset))
    return found


@dataclass(frozen=True)
class KeyFrame:
    offset: int  # byte range in the segment: from the moof through the end of the keyframe's own bytes
    length: int
    time: int  # decode time, in the track's timescale
    duration: int  # until the end of the fragment's samples


def keyframes(data: bytes, track: Track) -> list[KeyFrame]:
    """The keyframes that open a fragment (the only ones a byte range can address), with their byte ranges."""
    found = []
    for fragment in fragments(data, track):
        if fragment.samples and fragment.samples[0].sync:
            end = fragment.data_start + fragment.samples[0].size
            found.append(KeyFrame(offset=fragment.moof.offset, length=end - fragment.moof.offset,
                                  time=fragment.base_time, duration=fragment.duration))
    return found


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full(kind: bytes, version: int, flags: int, body: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags) + body)


def _fragment_bytes(fragment: Fragment, samples: list[Sample], base_time: int, sequence: int, payload: bytes) -> bytes:
    flags = fragment.trun_flags
    per_sample = b"".join(
        (struct.pack(">I", s.duration) if flags & TRUN_DURATION else b"")
        + (struct.pack(">I", s.size) if flags & TRUN_SIZE else b"")
        + (struct.pack(">I", s.flags) if flags & TRUN_FLAGS else b"")
        + (struct.pack(">i" if fragment.trun_version else ">I", s.cto) if flags & TRUN_CTO else b"")
        for s in samples)
    first = struct.pack(">I", samples[0].flags) if flags & TRUN_FIRST_FLAGS else b""
    mfhd = _full(b"mfhd", 0, 0, struct.pack(">I", sequence))
    tfdt = _full(b"tfdt", 1, 0, struct.pack(">Q", base_time))
    trun_size = 8 + 4 + 4 + 4 + len(first) + len(per_sample)
    moof_size = 8 + len(mfhd) + 8 + len(fragment.tfhd) + len(tfdt) + trun_size
    trun = _full(b"trun", fragment.trun_version, flags,
                 struct.pack(">Ii", len(samples), moof_size + 8) + first + per_sample)
    moof = _box(b"moof", mfhd + _box(b"traf", fragment.tfhd + tfdt + trun))
    assert len(moof) == moof_size
    return moof + _box(b"mdat", payload)


def _sidx(data: bytes, sidx: Box, parts: list[tuple[int, int]], timescale: int) -> bytes:
    """The segment index again, with one reference per new fragment: (size, duration in the track's timescale)."""
    body = sidx.body.start
    version = data[body]
    reference_id, sidx_timescale = struct.unpack_from(">II", data, body + 4)
    if version == 1:
        earliest, first_offset = struct.unpack_from(">QQ", data, body + 12)
    else:
        earliest, first_offset = struct.unpack_from(">II", data, body + 12)
    refs = b"".join(struct.pack(">III", size & 0x7FFFFFFF, round(duration * sidx_timescale / timescale),
                                (1 << 31) | (1 << 28)) for size, duration in parts)  # starts with SAP type 1
    return _full(b"sidx", 1, 0, struct.pack(">IIQQHH", reference_id, sidx_timescale, earliest, first_offset, 0,
                                            len(parts)) + refs)


def _single_fragment(data: bytes, track: Track) -> tuple[list[Box], Fragment]:
    """The top-level boxes and the one fragment of a segment as ffmpeg writes it: [styp] [sidx] moof mdat."""
    top = boxes(data)
    kinds = [b.kind for b in top]
    if kinds.count(b"moof") != 1 or kinds.count(b"mdat") != 1 or kinds.index(b"mdat") != kinds.index(b"moof") + 1:
        raise Unsupported(f"segment layout {[k.decode(errors='replace') for k in kinds]}")
    if set(kinds) - {b"styp", b"sidx", b"moof", b"mdat"} or kinds.count(b"sidx") > 1:
        raise Unsupported(f"segment layout {[k.decode(errors='replace') for k in kinds]}")
    [fragment] = fragments(data, track)
    mdat = top[kinds.index(b"mdat")]
    if not (mdat.body.start <= fragment.data_start
            and fragment.data_start + sum(s.size for s in fragment.samples) <= mdat.body.stop):
        raise Unsupported("the fragment's samples are not inside its mdat")
    return top, fragment


def split_at_keyframes(data: bytes, track: Track, sequence: int) -> tuple[bytes, int]:
    """The segment rewritten with one fragment per keyframe (samples, timing and bytes of the pictures unchanged),
    fragments numbered from `sequence`. Returns (new segment, next sequence number). Raises Unsupported."""
    top, fragment = _single_fragment(data, track)
    groups: list[list[Sample]] = []
    for sample in fragment.samples:
        if not groups or sample.sync:
            groups.append([])
        groups[-1].append(sample)
    out, parts = [], []
    position, time = fragment.data_start, fragment.base_time
    for group in groups:
        size = sum(s.size for s in group)
        chunk = _fragment_bytes(fragment, group, time, sequence, data[position:position + size])
        out.append(chunk)
        parts.append((len(chunk), sum(s.duration for s in group)))
        position += size
        time += parts[-1][1]
        sequence += 1
    head = b"".join(data[b.offset:b.offset + b.size] for b in top if b.kind == b"styp")
    sidx = next((b for b in top if b.kind == b"sidx"), None)
    if sidx is not None:
        head += _sidx(data, sidx, parts, track.timescale)
    return head + b"".join(out), sequence


def rung_refragment(playlist: Path) -> bool:
    """Rewrite every segment of a media playlist with one fragment per keyframe. All segments are parsed before any
    is written, so a layout this module does not know leaves the rung untouched (returns False)."""
    parsed = m3u8.load(str(playlist))
    folder = playlist.parent
    paths = [folder / segment.uri for segment in parsed.segments]
    try:
        track = track_of((folder / parsed.segment_map[0].uri).read_bytes())
        for path in paths:  # check everything first
            _single_fragment(path.read_bytes(), track)
    except Unsupported:
        return False
    sequence = 1
    for path in paths:
        data, sequence = split_at_keyframes(path.read_bytes(), track, sequence)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return True
