"""`reelhouse restore ARCHIVE`: put a backup back — the database replaced, the media files restored and checked."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reelhouse.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `reelhouse backup`: REPLACES the database and puts the media files back."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="Do not ask before replacing the database.")

    def handle(self, *args, archive, yes, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"{path}: no such backup file")
        if not yes and input(f"Replace this site's database and media with {path}? [y/N] ").strip().lower() != "y":
            raise CommandError("restore cancelled; nothing changed")
        console = Console(stderr=True)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=options["verbosity"] == 0) as bar:
            task = bar.add_task("database", total=None)
            try:
                report = backup_restore(archive=path, progress=lambda done, total, name: bar.update(
                    task, completed=done, total=total, description=f"media: {name[-40:]}"))
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored the {report.engine} database and {report.files_restored} media files")
        if report.missing or report.altered:
            raise CommandError(f"the media root does not match the backup's manifest: {len(report.missing)} missing "
                               f"(e.g. {report.missing[:3]}), {len(report.altered)} altered (e.g. {report.altered[:3]})"
                               "; restore those files from where the media are backed up")
