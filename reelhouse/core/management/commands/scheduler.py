"""`reelhouse scheduler`: the one process that runs periodic work (watch-folder scans, due feeds, search index,
dunning, stamp expiry, reclaiming expired job leases) and writes the heartbeat /readyz reads. Run exactly one per
site beside the web servers and `db_worker`s (a second one is harmless: queued work is claimed once)."""

import signal

from django.core.management.base import BaseCommand

from reelhouse.core import scheduler


class Command(BaseCommand):
    help = "Run the periodic-work scheduler in the foreground (Ctrl-C stops it)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between ticks (default 1).")
        parser.add_argument("--once", action="store_true", help="Run one tick (every job due at start) and exit.")

    def handle(self, *args, interval, once, **options):
        stop: list[int] = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        signal.signal(signal.SIGINT, lambda *_: stop.append(1))
        if once:
            ran = scheduler.Scheduler(immediate=True).tick()
            self.stdout.write(f"ran: {', '.join(ran) or 'nothing'}")
            return
        stoppers = scheduler.companions_start()
        names = ", ".join(job.name for job in scheduler.periodic_jobs())
        if options["verbosity"]:
            self.stdout.write(f"scheduler running: {names}")
        try:
            scheduler.Scheduler().run_forever(stop=lambda: bool(stop), interval=interval)
        finally:
            for stop_companion in stoppers:
                stop_companion()
