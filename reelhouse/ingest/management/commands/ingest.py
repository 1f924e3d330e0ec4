"""`reelhouse ingest`: identify files by name and sidecars (`identify`), or scan the watch folders once (`scan`)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reelhouse.ingest.identify import identify
from reelhouse.ingest.naming import Identity


class Command(BaseCommand):
    help = "Ingest tools: `identify` tells what files are from their names and sidecars; `scan` scans watch folders."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{identify,scan}")
        ident = sub.add_parser("identify", help="Print one JSON object per PATH: what the file is (no probing).")
        ident.add_argument("--root", required=True, type=Path, help="The watch folder the paths live in.")
        ident.add_argument("paths", nargs="+", metavar="PATH", help="Files, relative to --root or absolute inside it.")
        sub.add_parser("scan", help="Scan every enabled watch folder once and queue what became complete.")

    def handle(self, *args, action, **options):
        if action == "identify":
            self._identify(options["root"], options["paths"])
        else:
            self._scan()

    def _identify(self, root: Path, paths: list[str]) -> None:
        if not root.is_dir():
            raise CommandError(f"--root {root}: not a folder")
        root = root.absolute()
        outside = 0
        for given in paths:
            path = Path(given)
            full = path if path.is_absolute() else root / path
            if not _within(full, root):
                outside += 1
                identity = Identity(kind="other", reason=f"{given}: outside --root {root}; not identified")
                record = {"path": given, **identity.as_json()}
            else:
                found = identify(full, root)
                record = {"path": given, **found.identity.as_json()}
                if found.warnings:
                    record["warnings"] = found.warnings
                if found.subtitles:
                    record["subtitles"] = [{**s, "path": str(s["path"])} for s in found.subtitles]
                if found.artwork:
                    record["artwork"] = {k: str(v) for k, v in found.artwork.items()}
            self.stdout.write(json.dumps(record, ensure_ascii=False))
        if outside:
            raise CommandError(f"{outside} path(s) outside --root {root}")

    def _scan(self) -> None:
        from reelhouse.ingest.models import Source
        from reelhouse.ingest.services import sources_scan

        sources = list(Source.objects.filter(enabled=True).order_by("name"))
        if not sources:
            self.stdout.write("no enabled sources")
            return
        for source, report in zip(sources, sources_scan(sources=sources), strict=True):
            self.stdout.write(f"{source.name}: seen {report.seen}, new {report.new}, "
                              f"received {len(report.received)}, skipped {len(report.skipped)}")
            for reason in report.skipped:
                self.stdout.write(f"  skipped {reason}")


def _within(path: Path, root: Path) -> bool:
    """True when path lies inside root, judged on the resolved paths (`..` and symlinks cannot leave it)."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True
