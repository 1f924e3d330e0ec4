"""`reelhouse run`: the whole service on one machine in the foreground — web server, background workers
and the scheduler (`reelhouse scheduler`, the same process a fleet runs) — on the embedded default (SQLite under
var/, media under var/media/)."""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reelhouse.core import clock
from reelhouse.core.models import Heartbeat
from reelhouse.embedded import setup
from reelhouse.embedded.demo_library import build_demo_library
from reelhouse.embedded.setup import OPERATOR_EMAIL, VIEWER_EMAIL, watch_folder
from reelhouse.ingest.models import Delivery

console = Console()


class Command(BaseCommand):
    help = "Run Reelhouse (web server, workers, scheduler) in the foreground on the embedded default."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--no-demo", action="store_true", help="Do not build or ingest the demo library.")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--web-threads", type=int, default=settings.REELHOUSE_WEB_THREADS,
                            help="Threads per web worker (default REELHOUSE_WEB_THREADS: 3 with an edge, else 8).")
        parser.add_argument("--start-timeout", type=float, default=180,
                            help="Seconds the web server and the scheduler may take to start (more on a busy machine).")

    def handle(self, *args, port, host, no_demo, web_workers, web_threads, start_timeout, **options):
        started = time.monotonic()
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        source = setup.watch_source_ensure()
        accounts = None
        if not no_demo:
            try:
                accounts = setup.demo_accounts_ensure()
            except setup.DemoPasswordRefused as exc:
                raise CommandError(str(exc)) from exc
            self._demo_library()

        # /metrics sums the request metrics of every web worker (prometheus_client multiprocess mode); the files
        # of a previous run would be counted again, so the directory starts empty.
        self.metrics_dir = Path(settings.VAR_DIR) / "prometheus"
        shutil.rmtree(self.metrics_dir, ignore_errors=True)
        self.metrics_dir.mkdir(parents=True)
        self.children: dict[str, subprocess.Popen] = {}
        self.commands = {
            "web": [sys.executable, "-m", "gunicorn", "reelhouse.wsgi:application", "--bind", f"{host}:{port}",
                    "--worker-class", "gthread", "--workers", str(web_workers), "--threads", str(web_threads),
                    "--graceful-timeout", "5", "--log-level", "warning"],
            **{f"worker-{q}": [sys.executable, "-m", "reelhouse.manage", "db_worker", "--queue-name", q,
                               "--interval", "0.5", "--no-reload", "--no-startup-delay", "--verbosity", "0"]
               for q in settings.TASKS["default"]["QUEUES"]},
            # Periodic work, watch folders (inotify besides the periodic scan), reclaiming jobs of dead workers.
            "scheduler": [sys.executable, "-m", "reelhouse.manage", "scheduler", "--verbosity", "0"],
        }
        started_at = clock.now()
        for name in self.commands:
            self._start(name)
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        signal.signal(signal.SIGINT, lambda *_: stop.append(1))
        try:
            url = f"http://{host}:{port}/"
            self._wait_healthy(url + "healthz", start_timeout)
            self._wait_scheduler(started_at, start_timeout)
            console.print(f"\n[bold green]Reelhouse is running[/] at [bold]{url}[/]  "
                          f"(ready in {time.monotonic() - started:.1f} s)")
            self._print_accounts(accounts, url)
            console.print(f"  watch folder: {source.path}   (new files noticed "
                          f"{'at once' if settings.REELHOUSE_WATCH_NOTIFY else 'by the periodic scan'}; Ctrl-C stops "
                          f"everything)\n")
            self._loop(stop)
        finally:
            self._stop_all()

    def _print_accounts(self, accounts: setup.DemoAccounts | None, url: str) -> None:
        """The demo logins on the start that made them; later, where their password is. Without the demo: how to
        make the first operator, when there is none."""
        if accounts is None:
            if not setup.operators_exist():
                console.print("  No operator account yet. Create the first one with [bold]reelhouse createsuperuser"
                              f"[/], then set up its two-step sign-in with the link from [bold]reelhouse staff_enrol "
                              f"EMAIL --base-url {url}[/].")
            return
        if accounts.created:
            note = f" (generated, kept in {setup.demo_password_file()})" if accounts.generated_password else ""
            console.print(f"  operator: {OPERATOR_EMAIL} / {accounts.password}{note}  ->  {url}admin/")
            console.print(f"  viewer:   {VIEWER_EMAIL} / {accounts.password}")
        else:
            where = (f"the generated one in {setup.demo_password_file()}" if accounts.generated_password
                     else "REELHOUSE_DEMO_PASSWORD as it was on the first start")
            console.print(f"  demo logins: {OPERATOR_EMAIL} ({url}admin/), {VIEWER_EMAIL}; password: {where} "
                          "(unless you changed it since)")
        if link := setup.operator_enrolment_link(url):
            console.print(f"  operator's two-step sign-in: open {link} once, enter the password, scan the code "
                          "(a new link each start until it is set up; or REELHOUSE_STAFF_REQUIRE_2FA=0 on a "
                          "machine only you use)")

    def _demo_library(self) -> None:
        marker = Path(settings.REELHOUSE_DEMO_DIR) / ".library-delivered"
        if marker.exists():
            return
        staging = Path(settings.REELHOUSE_DEMO_DIR) / "staging"
        console.print("Building the demo library with ffmpeg (first start only)…")
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as bar:
            task = bar.add_task("demo clips", total=None)
            build_demo_library(staging, seconds=settings.REELHOUSE_DEMO_SECONDS,
                               progress=lambda done, total, name: bar.update(
                                   task, completed=done, total=total, description=f"demo clips: {name[:40]}"))
        # Deliver it the way a licensor would: whole folders land in the watch folder.
        watch = watch_folder()
        for entry in sorted(staging.iterdir()):
            target = watch / entry.name
            if not target.exists():
                entry.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
        marker.write_text("delivered\n")

    def _start(self, name: str) -> None:
        self.children[name] = subprocess.Popen(self.commands[name], env=os.environ | {
            "PYTHONUNBUFFERED": "1", "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir)})

    def _wait_healthy(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.children["web"].poll() is not None:
                raise SystemExit("the web server exited during start-up (is the port in use?)")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"the web server did not answer {url} within {timeout:.0f} s")

    def _wait_scheduler(self, since, timeout: float = 60) -> None:
        """Until the scheduler's first beat of this run: it watches the folders (inotify) before it first beats, so a
        file dropped once we say 'running' is noticed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.children["scheduler"].poll() is not None:
                raise SystemExit("the scheduler exited during start-up; see its error above")
            if Heartbeat.objects.filter(name="scheduler", at__gte=since).exists():
                return
            time.sleep(0.2)
        raise SystemExit(f"the scheduler did not beat within {timeout:.0f} s")

    def _loop(self, stop: list) -> None:
        """Keep the children alive and show ingest progress (the scheduler child does the periodic work)."""
        last_counts = None
        reported = set(Delivery.objects.filter(state=Delivery.State.QUARANTINED).values_list("pk", flat=True))
        while not stop:
            counts = {s: Delivery.objects.filter(state=s).count()
                      for s in (Delivery.State.PUBLISHED, Delivery.State.ACCEPTED, Delivery.State.QUARANTINED)}
            if counts != last_counts:
                console.print(f"ingest: {counts['published']} published, {counts['accepted']} transcoding, "
                              f"{counts['quarantined']} quarantined")
                last_counts = counts
            for pk, reason in (Delivery.objects.filter(state__in=[Delivery.State.QUARANTINED, Delivery.State.FAILED])
                               .exclude(pk__in=reported).values_list("pk", "reason")):
                console.print(f"  [yellow]held back:[/] {reason}")
                reported.add(pk)
            for name, child in self.children.items():
                if child.poll() is not None:
                    console.print(f"[yellow]{name} exited with {child.returncode}; restarting[/]")
                    self._start(name)
            for _ in range(int(settings.REELHOUSE_SCAN_INTERVAL * 10)):
                if stop:
                    break
                time.sleep(0.1)

    def _stop_all(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in self.children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
