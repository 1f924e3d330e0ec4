"""`reelhouse jobs`: transcode jobs with progress bars (percent, speed as a multiple of real time, ETA), live with
`watch`; `reclaim` takes back jobs of dead workers (the scheduler in `reelhouse run` does this on its own)."""

import time

from django.core.management.base import BaseCommand
from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from reelhouse.core.jobs import jobs_reclaim
from reelhouse.media.models import TranscodeJob
from reelhouse.media.selectors import job_line, transcode_jobs

STATE_STYLE = {"running": "bold cyan", "queued": "yellow", "done": "green", "failed": "bold red"}


class Command(BaseCommand):
    help = "List or watch transcode jobs with progress bars, or reclaim jobs of dead workers."

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["list", "watch", "reclaim"], default="list")
        parser.add_argument("--all", dest="include_all", action="store_true", help="Include finished and failed jobs.")
        parser.add_argument("--limit", type=int, default=30)
        parser.add_argument("--every", type=float, default=0,
                            help="watch: refresh interval (default 1 s); reclaim: repeat every N seconds.")

    def handle(self, *args, action, include_all, limit, every, **options):
        console = Console(file=self.stdout, width=max(Console().width, 200))
        if action == "reclaim":
            while True:
                for r in jobs_reclaim():
                    console.print(f"{r.job}: taken back from {r.previous_owner}, now {r.state}")
                if not every:
                    return
                time.sleep(every)
        if action == "list":
            console.print(self._table(include_finished=include_all, limit=limit))
            return
        table = self._table(include_finished=include_all, limit=limit)
        with Live(table, console=console, refresh_per_second=4) as live:
            try:
                while TranscodeJob.objects.filter(state__in=["queued", "running"]).exists():
                    time.sleep(every or 1)
                    live.update(self._table(include_finished=include_all, limit=limit))
            except KeyboardInterrupt:
                pass

    def _table(self, *, include_finished: bool, limit: int):
        lines = [job_line(j) for j in transcode_jobs(include_finished=include_finished, limit=limit)]
        if not lines:
            return Text("no transcode jobs" + ("" if include_finished else " queued or running (--all shows "
                                                                             "finished ones)"))
        table = Table(title="transcode jobs", expand=False)
        for column in ("#", "file", "state", "progress", "", "speed", "ETA", "attempts", "worker"):
            table.add_column(column, no_wrap=True)
        table.add_column("note", overflow="fold")
        for line in lines:
            table.add_row(str(line.id), line.name[:40], Text(line.state, style=STATE_STYLE.get(line.state, "")),
                          ProgressBar(total=100, completed=line.percent, width=24), f"{line.percent:3d}%",
                          line.speed, line.eta, line.attempts, line.owner, line.note)
        return Group(table)
