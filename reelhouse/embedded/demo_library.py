"""A demo library made with ffmpeg: synthetic clips laid out the way a licensor would deliver them
(Jellyfin/Kodi naming, NFO sidecars, posters), so the real ingest pipeline has something to publish."""

import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from reelhouse.media.conf import ffmpeg_path

WIDTH, HEIGHT, FPS = 1280, 720, 25
CARD_SIZE, CARD_AT = (1160, 190), (60, 470)  # the title box: overlaid small, since full-frame overlays are slow


@dataclass(frozen=True)
class DemoSeries:
    title: str
    year: int
    plot: str
    colour: tuple[int, int, int]
    pattern: str  # an ffmpeg lavfi video source
    episodes: dict[int, list[str]]  # season -> episode titles


@dataclass(frozen=True)
class DemoFilm:
    title: str
    year: int
    plot: str
    colour: tuple[int, int, int]
    pattern: str


SERIES = [
    DemoSeries("Harbour Lights", 2019, "A lighthouse keeper's family runs the last ferry of a fading port town.",
               (30, 90, 160), "testsrc2=size={w}x{h}:rate={fps}",
               {1: ["Arrival", "Low Tide", "The Storm"], 2: ["New Crew", "Fog Signals", "Homecoming"]}),
    DemoSeries("The Long Orbit", 2022, "Six strangers crew a cargo ship on a slow loop around Jupiter.",
               (120, 40, 130),
               "gradients=size=320x180:rate={fps}:speed=0.03:c0=0x3a1e78:c1=0xd04a8a:c2=0x1e90a0:nb_colors=3",
               {1: ["Launch Window", "Dead Reckoning", "Signal"], 2: ["Perihelion", "Drift", "Burn"]}),
]
FILMS = [
    DemoFilm("Paper Moons", 2021, "Two rival kite makers enter the same summer festival.", (170, 110, 20),
             "testsrc=size={w}x{h}:rate={fps}"),
    DemoFilm("Quiet Hours", 2018, "A night-shift radio host takes one call that changes her town.", (20, 120, 90),
             "gradients=size=320x180:rate={fps}:speed=0.05:type=spiral:c0=0x0b3d2e:c1=0x8fe3c0"),
]


def _font(size: int):
    return ImageFont.load_default(size=size)


def _title_card(path: Path, lines: list[str]) -> None:
    """A transparent overlay with the title burnt into every frame (Pillow, so no system fonts are needed)."""
    img = Image.new("RGBA", CARD_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, *CARD_SIZE), radius=24, fill=(0, 0, 0, 170))
    y = 20
    for i, line in enumerate(lines):
        size = 64 if i == 0 else 40
        draw.text((40, y), line, font=_font(size), fill=(255, 255, 255, 255))
        y += size + 18
    img.save(path)


def _poster(path: Path, title: str, year: int, colour: tuple[int, int, int]) -> None:
    img = Image.new("RGB", (600, 900), colour)
    draw = ImageDraw.Draw(img)
    for i in range(900):  # a vertical gradient to dark
        shade = tuple(int(c * (1 - i / 1100)) for c in colour)
        draw.line([(0, i), (600, i)], fill=shade)
    y = 520
    for line in textwrap.wrap(title, 12):
        draw.text((40, y), line, font=_font(84), fill="white")
        y += 96
    draw.text((40, y + 10), str(year), font=_font(44), fill=(230, 230, 230))
    img.save(path, "JPEG", quality=88)


def _clip(path: Path, *, pattern: str, lines: list[str], frequency: int, seconds: float, tmp: Path) -> None:
    card = tmp / "card.png"
    _title_card(card, lines)
    # Each clip gets its own hue and tone so that no two look or sound alike; costly patterns are drawn
    # small and scaled up.
    hue = (frequency * 7) % 360
    source = pattern.format(w=WIDTH, h=HEIGHT, fps=FPS) + f",hue=h={hue},scale={WIDTH}:{HEIGHT},format=yuv420p"
    cmd = [
        ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", source,
        "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=48000:beep_factor=2",
        "-loop", "1", "-framerate", str(FPS), "-i", str(card),
        "-filter_complex", f"[2:v]format=yuva420p[card];[0:v][card]overlay={CARD_AT[0]}:{CARD_AT[1]}:shortest=1[v]",
        "-map", "[v]", "-map", "1:a", "-t", f"{seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "26", "-g", str(FPS * 2),
        "-c:a", "aac", "-b:a", "96k", "-ac", "2",
        "-metadata", f"title={lines[0]}",
        str(path),
    ]
    subprocess.run(cmd, check=True, timeout=600)


def _nfo(path: Path, root: str, fields: dict) -> None:
    body = "".join(f"  <{k}>{escape(str(v))}</{k}>\n" for k, v in fields.items() if v is not None)
    path.write_text(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{root}>\n{body}</{root}>\n',
                    encoding="utf-8")


def build_demo_library(dest: Path, *, seconds: float = 15.0, progress=None) -> list[Path]:
    """Write the demo deliveries into `dest` (created fresh) and return the video files."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    tmp = dest / ".work"
    tmp.mkdir()
    videos: list[Path] = []
    jobs = sum(len(eps) for s in SERIES for eps in s.episodes.values()) + len(FILMS)
    done = 0
    frequency = 330
    for series in SERIES:
        folder = dest / f"{series.title} ({series.year})"
        folder.mkdir()
        _nfo(folder / "tvshow.nfo", "tvshow", {"title": series.title, "year": series.year, "plot": series.plot,
                                               "premiered": f"{series.year}-01-10", "genre": "Drama"})
        _poster(folder / "poster.jpg", series.title, series.year, series.colour)
        for season, titles in series.episodes.items():
            season_dir = folder / f"Season {season:02d}"
            season_dir.mkdir()
            for number, title in enumerate(titles, start=1):
                stem = f"{series.title} - S{season:02d}E{number:02d} - {title}"
                video = season_dir / f"{stem}.mkv"
                frequency += 55
                _clip(video, pattern=series.pattern, frequency=frequency, seconds=seconds, tmp=tmp,
                      lines=[series.title, f"Season {season}, Episode {number}: {title}"])
                aired = f"{series.year + season - 1}-{2 + number:02d}-{10 + number:02d}"
                _nfo(season_dir / f"{stem}.nfo", "episodedetails", {
                    "title": title, "season": season, "episode": number, "aired": aired,
                    "plot": f"{series.title}, season {season} episode {number}: {title}.",
                })
                videos.append(video)
                done += 1
                if progress:
                    progress(done, jobs, video.name)
    for film in FILMS:
        folder = dest / f"{film.title} ({film.year})"
        folder.mkdir()
        video = folder / f"{film.title} ({film.year}).mp4"
        frequency += 55
        _clip(video, pattern=film.pattern, frequency=frequency, seconds=seconds, tmp=tmp,
              lines=[film.title, f"A Reelhouse demo film ({film.year})"])
        _nfo(folder / "movie.nfo", "movie", {"title": film.title, "year": film.year, "plot": film.plot,
                                             "premiered": f"{film.year}-05-01", "genre": "Drama"})
        _poster(folder / "poster.jpg", film.title, film.year, film.colour)
        videos.append(video)
        done += 1
        if progress:
            progress(done, jobs, video.name)
    shutil.rmtree(tmp)
    return videos
