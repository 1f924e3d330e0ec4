"""The master playlist, composed after encoding from what the streams really are: CODECS from each init
segment, BANDWIDTH (peak) and AVERAGE-BANDWIDTH from the segments' sizes and durations (RFC 8216bis 4.4.6.2),
FRAME-RATE, audio and subtitle groups, and an I-frame playlist per rung addressing every IDR (see fmp4.py)."""

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import av
import babelfish
import m3u8
from babelfish import Language

from reelhouse.media.transcode import fmp4

AUDIO_GROUP = "aud"
SUBTITLE_GROUP = "subs"
IFRAME_PLAYLIST = "iframes.m3u8"
SDH_CHARACTERISTICS = "public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound"


@dataclass(frozen=True)
class StreamFacts:
    """A media playlist measured: bits per second over the segments, the codec string of its init segment."""
    uri: str  # relative to the package root, e.g. "v720/index.m3u8"
    peak_bps: int
    average_bps: int
    codecs: str
    init_uri: str
    segments: list[tuple[str, float]]  # (file name, duration) in order
    target_s: int


def measure(package: Path, uri: str) -> StreamFacts:
    """Measure one media playlist of the package: sizes of its segments on disk against their EXTINF durations."""
    playlist = m3u8.load(str(package / uri))
    folder = (package / uri).parent
    segments = [(s.uri, float(s.duration)) for s in playlist.segments]
    sizes = [(folder / name).stat().st_size for name, _ in segments]
    durations = [d for _, d in segments]
    total_s = sum(durations) or 1.0
    average = sum(sizes) * 8 / total_s
    init_uri = playlist.segment_map[0].uri
    return StreamFacts(uri=uri, peak_bps=round(max(average, _peak(sizes, durations, playlist.target_duration))),
                       average_bps=round(average), codecs=_codecs(folder / init_uri), init_uri=init_uri,
                       segments=segments, target_s=int(playlist.target_duration))


def _peak(sizes: list[int], durations: list[float], target: float) -> float:
    """The peak segment bit rate: the largest bit rate of any run of contiguous segments lasting between 0.5
    and 1.5 times the target duration (RFC 8216bis); 0 when no run qualifies (a clip shorter than that)."""
    best = 0.0
    for i in range(len(sizes)):
        bits, seconds = 0, 0.0
        for j in range(i, len(sizes)):
            bits += sizes[j] * 8
            seconds += durations[j]
            if seconds > 1.5 * target:
                break
            if seconds >= 0.5 * target:
                best = max(best, bits / seconds)
    return best


def _codecs(init: Path) -> str:
    """The RFC 6381 codec string of an init segment: avc1.PPCCLL from the avcC record, mp4a.40.<object type>."""
    with av.open(str(init)) as container:
        stream = container.streams[0]
        ctx = stream.codec_context
        if stream.type == "video":
            extra = ctx.extradata or b""
            if ctx.name == "h264" and len(extra) >= 4 and extra[0] == 1:
                return f"avc1.{extra[1:4].hex()}"
            return ctx.name
        profiles = {"LC": 2, "HE-AAC": 5, "HE-AACv2": 29}
        return f"mp4a.40.{profiles.get(ctx.profile or 'LC', 2)}"


def iframe_playlist(package: Path, facts: StreamFacts) -> tuple[str, int, int]:
    """Write <rung>/iframes.m3u8: every keyframe that opens a movie fragment (after fmp4.rung_refragment, every IDR:
    one per GOP), addressed by byte range from its moof through the end of that picture, lasting until the next
    one. Returns (uri, peak and average bits per second of the I-frames)."""
    folder = (package / facts.uri).parent
    track = fmp4.track_of((folder / facts.init_uri).read_bytes())
    entries = []  # (segment name, key frame)
    for name, _ in facts.segments:
        entries += [(name, key) for key in fmp4.keyframes((folder / name).read_bytes(), track)]
    if not entries:
        raise ValueError(f"{facts.uri}: no keyframe opens a fragment")
    durations = [(entries[k + 1][1].time - key.time if k + 1 < len(entries) else key.duration) / track.timescale
                 for k, (_, key) in enumerate(entries)]
    target = max(1, math.ceil(max(durations) - 0.001))
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-MEDIA-SEQUENCE:0",
             "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-I-FRAMES-ONLY", "#EXT-X-INDEPENDENT-SEGMENTS",
             f'#EXT-X-MAP:URI="{facts.init_uri}"']
    peak = 0.0
    for (name, key), duration in zip(entries, durations, strict=True):
        duration = max(duration, 0.001)
        peak = max(peak, key.length * 8 / duration)
        lines += [f"#EXTINF:{duration:.6f},", f"#EXT-X-BYTERANGE:{key.length}@{key.offset}", name]
    lines.append("#EXT-X-ENDLIST")
    uri = str(Path(facts.uri).parent / IFRAME_PLAYLIST)
    (package / uri).write_text("\n".join(lines) + "\n", encoding="utf-8")
    average = sum(key.length for _, key in entries) * 8 / max(sum(durations), 0.001)
    return uri, round(peak), round(average)


# The shape of a BCP 47 tag (language, then subtags of letters and digits). A stream's language is the delivery's
# metadata: anything else ('../../x', a newline and playlist lines) becomes 'und', since the tag names the subtitle
# files and goes into the master playlist.
_TAG_SHAPE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}")


def language_tag(code: str | None) -> tuple[str, str]:
    """(BCP 47 tag, English name) for a language code as found in file names (en, pt-BR) or streams (eng, fre).
    Anything that is not shaped like a language tag is 'und' (Unknown)."""
    if not code or code.lower() in ("und", "unknown") or not _TAG_SHAPE.fullmatch(code):
        return "und", "Unknown"
    language = None
    for parse in (Language.fromietf, Language.fromalpha3b, Language):
        try:
            language = parse(code)
            break
        except (ValueError, KeyError, LookupError, babelfish.Error):  # 'AT': babelfish's LanguageReverseError
            continue
    if language is None:
        return code, code
    try:
        tag = language.alpha2
    except Exception:  # babelfish raises its own LanguageConvertError
        tag = language.alpha3
    if language.country:
        tag = f"{tag}-{language.country.alpha2}"
    return tag, language.name


def _q(value: str) -> str:
    return '"' + value.replace('"', "'") + '"'


def write_master(package: Path, *, rungs: list[dict], audio: list[dict], subtitles: list[dict], frame_rate: float,
                 iframes: dict[str, tuple[str, int, int]], images: dict | None = None) -> str:
    """Compose master.m3u8. rungs: name, width, height, facts (StreamFacts); audio: name, language, channels, facts;
    subtitles: uri, language, name, forced, sdh; images: the trickplay dict (playlist, bandwidth, width, height)
    for an EXT-X-IMAGE-STREAM-INF. A variant's bandwidths add its default audio track's."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for k, track in enumerate(audio):
        tag, name = language_tag(track.get("language"))
        name = name if tag != "und" else f"Audio {k + 1}" if len(audio) > 1 else "Audio"
        attrs = [f"TYPE=AUDIO,GROUP-ID={_q(AUDIO_GROUP)}", f"NAME={_q(name)}"]
        if tag != "und":
            attrs.append(f"LANGUAGE={_q(tag)}")
        attrs += [f"DEFAULT={'YES' if k == 0 else 'NO'},AUTOSELECT=YES", f'CHANNELS="{track.get("channels", 2)}"',
                  f"URI={_q(track['facts'].uri)}"]
        lines.append("#EXT-X-MEDIA:" + ",".join(attrs))
    for track in subtitles:
        attrs = [f"TYPE=SUBTITLES,GROUP-ID={_q(SUBTITLE_GROUP)}", f"NAME={_q(track['name'])}"]
        if track["language"] != "und":
            attrs.append(f"LANGUAGE={_q(track['language'])}")
        attrs.append(f"DEFAULT=NO,AUTOSELECT=YES,FORCED={'YES' if track['forced'] else 'NO'}")
        if track["sdh"]:
            attrs.append(f"CHARACTERISTICS={_q(SDH_CHARACTERISTICS)}")
        attrs.append(f"URI={_q(track['uri'])}")
        lines.append("#EXT-X-MEDIA:" + ",".join(attrs))
    main_audio = audio[0]["facts"] if audio else None
    for rung in rungs:
        facts: StreamFacts = rung["facts"]
        peak = facts.peak_bps + (main_audio.peak_bps if main_audio else 0)
        average = facts.average_bps + (main_audio.average_bps if main_audio else 0)
        codecs = facts.codecs + (f",{main_audio.codecs}" if main_audio else "")
        attrs = [f"BANDWIDTH={peak}", f"AVERAGE-BANDWIDTH={average}", f"CODECS={_q(codecs)}",
                 f"RESOLUTION={rung['width']}x{rung['height']}", f"FRAME-RATE={frame_rate:.3f}"]
        if main_audio:
            attrs.append(f"AUDIO={_q(AUDIO_GROUP)}")
        if subtitles:
            attrs.append(f"SUBTITLES={_q(SUBTITLE_GROUP)}")
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), facts.uri]
    for rung in rungs:
        if rung["name"] in iframes:
            uri, peak, average = iframes[rung["name"]]
            lines.append(f"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={max(peak, 1)},AVERAGE-BANDWIDTH={max(average, 1)},"
                         f"CODECS={_q(rung['facts'].codecs)},RESOLUTION={rung['width']}x{rung['height']},"
                         f"URI={_q(uri)}")
    if images and images.get("playlist"):
        lines.append(f"#EXT-X-IMAGE-STREAM-INF:BANDWIDTH={images['bandwidth']},"
                     f"RESOLUTION={images['width']}x{images['height']},CODECS=\"jpeg\",URI={_q(images['playlist'])}")
    text = "\n".join(lines) + "\n"
    (package / "master.m3u8").write_text(text, encoding="utf-8")
    return text


def first_pts_90k(package: Path, facts: StreamFacts) -> int:
    """The presentation time of the first picture in 90 kHz ticks, for WebVTT's X-TIMESTAMP-MAP."""
    folder = (package / facts.uri).parent
    if not facts.segments:
        return 0
    data = (folder / facts.init_uri).read_bytes() + (folder / facts.segments[0][0]).read_bytes()
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        first = [p.pts for _, p in zip(range(16), container.demux(stream), strict=False) if p.pts is not None]
    if not first:
        return 0
    return max(0, math.floor(min(first) * stream.time_base * 90000))


_RESOLUTION = re.compile(r"RESOLUTION=(\d+)x(\d+)")


def master_limited(text: str, max_height: int) -> str:
    """The master playlist without variants (and I-frame playlists) taller than a plan allows; the smallest
    variant always stays, so a plan never leaves a title unplayable. Height means the short side (portrait too)."""
    lines = text.splitlines()

    def too_tall(line: str) -> bool:
        match = _RESOLUTION.search(line)
        return bool(match) and min(int(match[1]), int(match[2])) > max_height

    variants = [i for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF")]
    allowed = [i for i in variants if not too_tall(lines[i])]
    if not allowed and variants:  # nothing fits: keep the smallest
        allowed = [min(variants, key=lambda i: min(map(int, _RESOLUTION.search(lines[i]).groups())))]
    drop: set[int] = set()
    for i in variants:
        if i not in allowed:
            drop.update({i, i + 1})  # the tag and the URI line after it
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-I-FRAME-STREAM-INF") and too_tall(line):
            drop.add(i)
    return "\n".join(line for i, line in enumerate(lines) if i not in drop) + "\n"


_URI_ATTR = re.compile(r'URI="([^"]*)"')


def _folder(uri: str) -> str:
    return uri.split("/", 1)[0] if "/" in uri else ""


def master_only(text: str, folders: set[str] | frozenset[str]) -> str:
    """The master playlist offering only the renditions in `folders` (package folders such as 'v720', 'audio'):
    variants, I-frame playlists and audio renditions in any other folder are left out. Subtitles, image streams and
    top-level entries stay. The decision is the caller's (by folder); this only writes it into the playlist."""
    lines = text.splitlines()
    drop: set[int] = set()
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF") and i + 1 < len(lines):
            if _folder(lines[i + 1].strip()) not in folders:
                drop.update({i, i + 1})  # the tag and the URI line after it
        elif line.startswith("#EXT-X-I-FRAME-STREAM-INF") or (line.startswith("#EXT-X-MEDIA:")
                                                               and "TYPE=AUDIO" in line):
            match = _URI_ATTR.search(line)
            if match and _folder(match[1]) not in folders:
                drop.add(i)
    return "\n".join(line for i, line in enumerate(lines) if i not in drop) + "\n"


def _short_side(line: str) -> int | None:
    match = _RESOLUTION.search(line)
    return min(int(match[1]), int(match[2])) if match else None


def master_offer(text: str) -> tuple[set[int], set[str]]:
    """What a master playlist lets a viewer choose between: the heights of its variants (short side) and the
    folders of its audio renditions ('audio', 'audio2'...)."""
    lines = text.splitlines()
    heights = {h for line in lines if line.startswith("#EXT-X-STREAM-INF") and (h := _short_side(line))}
    audio = {_folder(m[1]) for line in lines
             if line.startswith("#EXT-X-MEDIA:") and "TYPE=AUDIO" in line and (m := _URI_ATTR.search(line))}
    return heights, audio


def master_chosen(text: str, *, height: int | None = None, audio: str | None = None) -> str:
    """The master playlist narrowed to the viewer's choice, for a player that plays HLS itself (no API to pick a
    rung or an audio track): only the variants (and I-frame playlists) `height` high, and only the audio rendition
    in folder `audio`, made the default. None keeps that side whole. The caller checks the choice is on offer
    (master_offer); this only ever removes lines, so it never opens anything the playlist did not."""
    lines = text.splitlines()
    drop: set[int] = set()
    out = list(lines)
    for i, line in enumerate(lines):
        if height is not None and line.startswith("#EXT-X-STREAM-INF") and _short_side(line) != height:
            drop.update({i, i + 1})
        elif height is not None and line.startswith("#EXT-X-I-FRAME-STREAM-INF") and _short_side(line) != height:
            drop.add(i)
        elif audio is not None and line.startswith("#EXT-X-MEDIA:") and "TYPE=AUDIO" in line:
            match = _URI_ATTR.search(line)
            if not match or _folder(match[1]) != audio:
                drop.add(i)
            else:
                out[i] = line.replace("DEFAULT=NO", "DEFAULT=YES")
    return "\n".join(line for i, line in enumerate(out) if i not in drop) + "\n"
