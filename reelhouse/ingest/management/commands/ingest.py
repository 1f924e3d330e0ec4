"""`reelhouse ingest`: identify files by name and sidecars (`identify`), scan the watch folders once (`scan`),
fetch partner feeds (`fetch`), and act on held deliveries (`quarantine list|retry|assign|discard`)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reelhouse.ingest.identify import identify
from reelhouse.ingest.naming import Identity


class Command(BaseCommand):
    help = "Ingest tools: `identify` tells what files are from their names and sidecars; `scan` scans watch folders."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{identify,scan,fetch,quarantine}")
        ident = sub.add_parser("identify", help="Print one JSON object per PATH: what the file is (no probing).")
        ident.add_argument("--root", required=True, type=Path, help="The watch folder the paths live in.")
        ident.add_argument("paths", nargs="+", metavar="PATH", help="Files, relative to --root or absolute inside it.")
        scan = sub.add_parser("scan", help="Scan every enabled watch folder once and queue what became complete.")
        scan.add_argument("--no-progress", action="store_true", help="No progress bar (plain output only).")
        sub.add_parser("fetch", help="Fetch every enabled partner feed now and download what is new.")
        quarantine = sub.add_parser("quarantine", help="List and act on quarantined or failed deliveries.")
        qsub = quarantine.add_subparsers(dest="qaction", required=True, metavar="{list,retry,assign,discard}")
        qsub.add_parser("list", help="Held deliveries, newest first, with their reasons.")
        retry = qsub.add_parser("retry", help="Run a held delivery through the pipeline again.")
        retry.add_argument("id", type=int)
        retry.add_argument("--replacement", action="store_true",
                           help="It is a fix that replaces the work's current file.")
        assign = qsub.add_parser("assign", help="Say what a held delivery is, then retry it.")
        assign.add_argument("id", type=int)
        assign.add_argument("--series")
        assign.add_argument("--season", type=int)
        assign.add_argument("--episode", type=int, action="append", help="Repeat for a multi-episode file.")
        assign.add_argument("--film")
        assign.add_argument("--year", type=int)
        assign.add_argument("--replacement", action="store_true")
        discard = qsub.add_parser("discard", help="Give up on a held delivery (its file is left in place).")
        discard.add_argument("id", type=int)
        discard.add_argument("--reason", default="")

    def handle(self, *args, action, **options):
        if action == "identify":
            self._identify(options["root"], options["paths"])
        elif action == "scan":
            self._scan(progress=not options["no_progress"])
        elif action == "fetch":
            self._fetch()
        else:
            self._quarantine(options)

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

    def _scan(self, *, progress: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from reelhouse.ingest.dispatch import sources_scan
        from reelhouse.ingest.models import Source

        sources = list(Source.objects.filter(enabled=True).order_by("name"))
        if not sources:
            self.stdout.write("no enabled sources")
            return
        if progress:
            console = Console(stderr=True)  # stdout stays plain for scripts
            with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} files"),
                          TimeElapsedColumn(), console=console, transient=True) as bar:
                tasks = {s.pk: bar.add_task(f"scan {s.name}", total=None) for s in sources}
                reports = sources_scan(sources=sources, on_progress=lambda src, rel: bar.advance(tasks[src.pk]))
        else:
            reports = sources_scan(sources=sources)
        for source, report in zip(sources, reports, strict=True):
            self.stdout.write(f"{source.name}: seen {report.seen}, new {report.new}, "
                              f"received {len(report.received)}, skipped {len(report.skipped)}")
            for reason in report.skipped:
                self.stdout.write(f"  skipped {reason}")

    def _fetch(self) -> None:
        from reelhouse.ingest.dispatch import feed_fetch
        from reelhouse.ingest.models import Source

        for source in Source.objects.filter(enabled=True, kind=Source.Kind.FEED).order_by("name"):
            counts = feed_fetch(source=source)
            self.stdout.write(f"{source.name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    def _quarantine(self, options) -> None:
        from reelhouse.ingest import selectors, services
        from reelhouse.ingest.models import Delivery

        qaction = options["qaction"]
        if qaction == "list":
            held = list(selectors.deliveries_held())
            for d in held:
                self.stdout.write(f"#{d.pk}\t{d.state}\t{d.source.name}\t{d.path}\t{d.reason}")
            self.stdout.write(f"{len(held)} held")
            return
        try:
            delivery = Delivery.objects.select_related("source").get(pk=options["id"])
        except Delivery.DoesNotExist as exc:
            raise CommandError(f"no delivery #{options['id']}; see `ingest quarantine list`") from exc
        try:
            if qaction == "retry":
                delivery = services.delivery_retry(delivery=delivery, replacement=options["replacement"])
            elif qaction == "assign":
                delivery = services.delivery_assign(
                    delivery=delivery, series=options["series"], season=options["season"],
                    episodes=options["episode"], film=options["film"], year=options["year"],
                    replacement=options["replacement"])
            else:
                delivery = services.delivery_discard(delivery=delivery, reason=options["reason"])
        except services.IngestError as exc:
            raise CommandError(str(exc)) from exc
        delivery.refresh_from_db()
        self.stdout.write(f"#{delivery.pk} {delivery.state}" + (f": {delivery.reason}" if delivery.reason else ""))


def _within(path: Path, root: Path) -> bool:
    """True when path lies inside root, judged on the resolved paths (`..` and symlinks cannot leave it)."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True
