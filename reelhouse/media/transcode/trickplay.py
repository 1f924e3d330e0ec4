"""Trickplay: seek-preview sprites made by one more branch of the ladder's ffmpeg graph, their WebVTT thumbnails
track (web players) and an image media playlist (EXT-X-IMAGES-ONLY with EXT-X-TILES, the Image Media Playlist
specification 0.4 that Roku and others read from the master's EXT-X-IMAGE-STREAM-INF).

ffmpeg writes one small JPEG per interval as the encode goes, and Pillow packs them into sprite sheets at the end:
a `tile` filter in the graph would hold its output until a sheet fills (100 thumbnails = 1,000 s), and ffmpeg's
progress report waits for its slowest output, so a long episode showed 0 % for its first quarter hour."""

import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from reelhouse.core.images import image_open

FOLDER = "trickplay"
INTERVAL_S = 10  # one thumbnail every 10 s of the source
THUMB_WIDTH = 240
COLUMNS = ROWS = 10  # 100 thumbnails (about 16 minutes) per sprite sheet
SPRITE_PATTERN = "sprite_%03d.jpg"  # numbered from 1
THUMB_PATTERN = "thumb_%05d.jpg"  # ffmpeg's single thumbnails, numbered from 1, packed into sprites then removed
VTT_NAME = "thumbnails.vtt"
PLAYLIST_NAME = "images.m3u8"


@dataclass(frozen=True)
class Trickplay:
    width: int  # one thumbnail
    height: int
    interval_s: int = INTERVAL_S
    columns: int = COLUMNS
    rows: int = ROWS

    @classmethod
    def for_display(cls, display_width: int, display_height: int, duration_s: float) -> "Trickplay":
        """Thumbnails THUMB_WIDTH wide (never wider than the source), the source's shape, even sizes; sheets of
        COLUMNS x ROWS, smaller when the whole video needs fewer tiles."""
        width = min(THUMB_WIDTH, display_width - display_width % 2)
        height = max(2, round(width * display_height / display_width / 2) * 2)
        count = max(1, math.ceil(duration_s / INTERVAL_S - 1e-6))
        columns = min(COLUMNS, count)
        return cls(width=width, height=height, columns=columns, rows=min(ROWS, math.ceil(count / columns)))

    def filter(self, label_in: str, label_out: str) -> str:
        """The filtergraph branch turning the split's frames into sprite sheets."""
        # select, not fps=1/N: the fps filter drops the last partial interval, select keeps t=0, N, 2N... up to the end
        pick = f"select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{self.interval_s})'"
        return (f"[{label_in}]{pick},scale={self.width}:{self.height}:flags=bicubic,setsar=1,format=yuvj420p"
                f"[{label_out}]")

    def output_args(self, folder: Path, label: str) -> list[str]:
        return ["-map", f"[{label}]", "-c:v", "mjpeg", "-q:v", "3", "-fps_mode", "passthrough", "-f", "image2",
                str(folder / THUMB_PATTERN)]

    def pack(self, folder: Path) -> None:
        """Pack ffmpeg's thumbnails into sheets of columns x rows (row by row), then remove them."""
        thumbs = sorted(folder.glob("thumb_*.jpg"))
        per_sheet = self.columns * self.rows
        for sheet_index in range(math.ceil(len(thumbs) / per_sheet)):
            sheet = Image.new("RGB", (self.columns * self.width, self.rows * self.height))
            for i, path in enumerate(thumbs[sheet_index * per_sheet:(sheet_index + 1) * per_sheet]):
                row, col = divmod(i, self.columns)
                with image_open(path) as thumb:
                    sheet.paste(thumb.convert("RGB"), (col * self.width, row * self.height))
            sheet.save(folder / (SPRITE_PATTERN % (sheet_index + 1)), "JPEG", quality=80, optimize=True)
        for path in thumbs:
            path.unlink()

    def count(self, duration_s: float) -> int:
        return max(1, math.ceil(duration_s / self.interval_s - 1e-6))

    def vtt(self, duration_s: float) -> str:
        """A WebVTT thumbnails track: one cue per interval pointing at its tile with a #xywh= media fragment."""
        per_sheet = self.columns * self.rows
        lines = ["WEBVTT", ""]
        for i in range(self.count(duration_s)):
            start, end = i * self.interval_s, min((i + 1) * self.interval_s, duration_s)
            sheet, tile = divmod(i, per_sheet)
            row, col = divmod(tile, self.columns)
            name = SPRITE_PATTERN % (sheet + 1)
            lines += [f"{_stamp(start)} --> {_stamp(end)}",
                      f"{name}#xywh={col * self.width},{row * self.height},{self.width},{self.height}", ""]
        return "\n".join(lines)

    def image_playlist(self, sprites: list[Path], duration_s: float) -> tuple[str, int]:
        """The image media playlist: one entry per sprite sheet lasting as long as the thumbnails it holds, each
        thumbnail (tile) standing for `interval_s`. Returns (text, peak bits per second of a sheet)."""
        per_sheet = self.columns * self.rows * self.interval_s
        entries = []
        for i, sprite in enumerate(sprites):
            length = min(per_sheet, duration_s - i * per_sheet)
            if length > 0:
                entries.append((sprite, length))
        target = max(1, math.ceil(max((d for _, d in entries), default=1) - 1e-6))
        lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-MEDIA-SEQUENCE:0",
                 "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-IMAGES-ONLY"]
        peak = 0.0
        for sprite, length in entries:
            peak = max(peak, sprite.stat().st_size * 8 / length)
            lines += [f"#EXTINF:{length:.3f},",
                      f"#EXT-X-TILES:RESOLUTION={self.width}x{self.height},LAYOUT={self.columns}x{self.rows},"
                      f"DURATION={self.interval_s:.3f}", sprite.name]
        lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n", max(1, round(peak))

    def finish(self, folder: Path, duration_s: float) -> dict:
        """Write the WebVTT track and the image media playlist next to the sprites ffmpeg made; return what the
        package holds."""
        self.pack(folder)
        sprites = sorted(folder.glob("sprite_*.jpg"))
        (folder / VTT_NAME).write_text(self.vtt(duration_s), encoding="utf-8")
        text, bandwidth = self.image_playlist(sprites, duration_s)
        (folder / PLAYLIST_NAME).write_text(text, encoding="utf-8")
        return {"vtt": f"{FOLDER}/{VTT_NAME}", "sprites": [f"{FOLDER}/{p.name}" for p in sprites],
                "playlist": f"{FOLDER}/{PLAYLIST_NAME}", "bandwidth": bandwidth,
                "interval_s": self.interval_s, "width": self.width, "height": self.height,
                "columns": self.columns, "rows": self.rows, "count": self.count(duration_s)}


def _stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
