"""`reelhouse backup [OUT]`: a consistent database copy, the media manifest and the media, in one tar."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reelhouse.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = ("Back up the database (SQLite online backup or pg_dump) and the media (with a SHA-256 manifest) into "
            "one tar archive.")

    def add_arguments(self, parser):
        parser.add_argument("out", nargs="?", default=None,
                            help="A directory (default var/backups/) or a file name ending in .tar.")
        parser.add_argument("--no-media", action="store_true",
                            help="List the media with their hashes but leave the files out (back the media volume "
                                 "up on its own).")

    def handle(self, *args, out, no_media, **options):
        target = Path(out) if out else Path(settings.VAR_DIR) / "backups"
        if not out:
            target.mkdir(parents=True, exist_ok=True)
        console = Console(stderr=True)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=options["verbosity"] == 0) as bar:
            task = bar.add_task("database", total=None)
            try:
                path = backup_create(out=target, media=not no_media, progress=lambda done, total, name: bar.update(
                    task, completed=done, total=total, description=f"media: {name[-40:]}"))
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
