"""Rights reads for operators: `reelhouse rights provenance <work id>` prints the work's provenance as JSON (each
published asset's delivery, licence, identification, transcode job and files with their sha256; its notices)."""

import json

from django.core.management.base import BaseCommand, CommandError

from reelhouse.rights.provenance import ProvenanceError, work_provenance


class Command(BaseCommand):
    help = "Rights reads: provenance <work id> (JSON)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        provenance = sub.add_parser("provenance", help="Where a work's published packages came from, as JSON.")
        provenance.add_argument("work", help="The work's id (an episode's or a film's, as in /watch/<id>/).")

    def handle(self, *args, action, work, **options):
        if not work.isdigit():
            raise CommandError(f"give the work's id as a number (as in /watch/<id>/), not {work!r}")
        try:
            record = work_provenance(int(work))
        except ProvenanceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(record, indent=2, ensure_ascii=False))
