"""`reelhouse media package SOURCE OUTDIR`: build a complete package from any file without touching the catalog."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from reelhouse.media.probe import MediaError, probe
from reelhouse.media.transcode.package import package_build


class Command(BaseCommand):
    help = "Media tools: probe a file, or package it into HLS without touching the catalog."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("package", help="build an HLS package (ladder, poster) from SOURCE into OUTDIR")
        p.add_argument("source", type=Path)
        p.add_argument("outdir", type=Path, help="new folder; must not exist")
        p.add_argument("--preset", default=None, help="x264 preset (default: REELHOUSE_X264_PRESET)")
        p.add_argument("--json", action="store_true", help="print the result as one JSON line, no progress bar")
        q = sub.add_parser("probe", help="print what a media file holds, as JSON")
        q.add_argument("source", type=Path)

    def handle(self, *args, action, **options):
        if action == "probe":
            return self._probe(options["source"])
        return self._package(options["source"], options["outdir"], options["preset"], options["json"])

    def _probe(self, source: Path):
        try:
            info = probe(source)
        except MediaError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps({
            "format": info.format, "duration_s": round(info.duration_s, 3), "codec": info.codec,
            "size": [info.width, info.height], "display": [info.display_width, info.display_height],
            "fps": round(info.fps, 3), "pix_fmt": info.pix_fmt, "interlaced": info.interlaced,
            "rotation": info.rotation, "audio": [a.__dict__ for a in info.audio],
            "subtitles": [s.__dict__ for s in info.subtitles],
        }))

    def _package(self, source: Path, outdir: Path, preset: str | None, as_json: bool):
        if not source.is_file():
            raise CommandError(f"{source}: no such file")
        if outdir.exists():
            raise CommandError(f"{outdir}: already exists; choose a new folder (packages are never overwritten)")
        try:
            if as_json:
                result = package_build(source=source, dest=outdir, preset=preset)
            else:
                columns = (TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                           TextColumn("{task.fields[speed]}"), TimeRemainingColumn())
                with Progress(*columns) as bar:
                    task = bar.add_task(f"packaging {source.name}", total=1.0, speed="")

                    def on_progress(p):
                        bar.update(task, completed=p.fraction, speed=f"{p.speed:.1f}x" if p.speed else "")

                    result = package_build(source=source, dest=outdir, on_progress=on_progress, preset=preset)
        except MediaError as exc:
            raise CommandError(str(exc)) from exc
        summary = {"directory": str(result.directory), "duration_s": round(result.duration_s, 3),
                   "source": [result.width, result.height], "renditions": result.renditions,
                   "poster": str(result.poster) if result.poster else None, "warnings": result.warnings,
                   "audio": result.audio, "subtitles": result.subtitles, "trickplay": result.trickplay,
                   "downloads": result.downloads}
        if as_json:
            self.stdout.write(json.dumps(summary))
        else:
            for r in result.renditions:
                self.stdout.write(f"  {r['name']:>6}  {r['width']}x{r['height']}  {r['bandwidth'] / 1000:.0f} kb/s  "
                                  f"{r['codecs']}")
            for t in result.subtitles:
                self.stdout.write(f"  subtitles {t['vtt']}  {t['name']}  (from {t['origin']}, {t['encoding']})")
            for d in result.downloads:
                self.stdout.write(f"  download {d['uri']}  {d['size'] / 1e6:.1f} MB")
            for w in result.warnings:
                self.stdout.write(self.style.WARNING(f"  warning: {w}"))
            self.stdout.write(self.style.SUCCESS(f"package written to {result.directory}/master.m3u8"))
