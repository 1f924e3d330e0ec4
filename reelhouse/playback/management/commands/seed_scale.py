"""`reelhouse seed_scale`: build the Jetflicks-size catalog and audience (skipped when already present). Here, in
playback, because it seeds both: the catalog and subscribers (catalog.seeding) and their viewing (playback.seeding)."""

import time

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reelhouse.catalog import seeding
from reelhouse.playback.seeding import audience_write

console = Console()


class Command(BaseCommand):
    help = ("Seed a scale catalog: ~6,000 series / 183,200 episodes, 10,500 films, 37,000 subscribers with "
            "profiles, millions of progress rows. Idempotent: does nothing when the scale catalog is present.")

    def add_arguments(self, parser):
        defaults = seeding.Shape()
        for name in ("series", "episodes", "films", "subscribers", "progress_rows", "plays_7d", "daily_shows",
                     "seed"):
            parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
        parser.add_argument("--no-fingerprints", action="store_true",
                            help="Skip the synthetic content fingerprints (and their index) of every work.")

    def handle(self, *args, **options):
        if seeding.seeded():
            console.print("The scale catalog is already seeded.")
            self._fingerprints(options)
            return
        shape = seeding.Shape(**{k: options[k] for k in seeding.Shape.__dataclass_fields__})
        if shape.series < 1 or shape.episodes < shape.series or shape.films < 1 or shape.subscribers < 1:
            raise SystemExit("seed_scale: need at least 1 series, 1 film, 1 subscriber and one episode per series")
        started = time.monotonic()
        tasks = {}
        with Progress(TextColumn("{task.description:>14}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as bar:
            def progress(phase: str, advance: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(phase, total=total)
                bar.update(tasks[phase], advance=advance, total=total)

            counts = seeding.seed_scale(shape, progress=progress, audience=audience_write)
        summary = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items())
        console.print(f"Seeded in {time.monotonic() - started:.0f} s: {summary}")
        self._fingerprints(options)

    def _fingerprints(self, options) -> None:
        """Synthetic content fingerprints for every work that has none, and the library index built from them."""
        if options["no_fingerprints"]:
            return
        from reelhouse.media.fingerprints.synthetic import fingerprints_seed

        started = time.monotonic()
        with Progress(TextColumn("{task.description:>14}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as bar:
            task = bar.add_task("fingerprints", total=None)
            written = fingerprints_seed(progress=lambda done, total: bar.update(task, completed=done, total=total))
        console.print(f"Fingerprints: {written:,} written and indexed in {time.monotonic() - started:.0f} s")
