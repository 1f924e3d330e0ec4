"""`reelhouse markers detect|list|set`: find a season's intro and credits markers, show them, correct one."""

from django.core.management.base import BaseCommand, CommandError

from reelhouse.catalog.models import Season, Work
from reelhouse.media.markers import MarkerError, marker_set_by_operator, season_markers_detect
from reelhouse.media.models import Marker


def clock_text(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:05.2f}"


class Command(BaseCommand):
    help = "Intro and credits markers: detect them for a season, list them, or set one as an operator."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        d = sub.add_parser("detect", help="listen to a season's published episodes and store what they share")
        d.add_argument("--season-id", type=int, required=True)
        ls = sub.add_parser("list", help="show the markers of a season's episodes")
        ls.add_argument("--season-id", type=int, required=True)
        s = sub.add_parser("set", help="set an episode's or film's intro or credits (kept over detection)")
        s.add_argument("work_id", type=int)
        s.add_argument("kind", choices=Marker.Kind.values)
        s.add_argument("start_s", type=float)
        s.add_argument("end_s", type=float)

    def handle(self, *args, action, **options):
        if action == "set":
            work = Work.objects.filter(pk=options["work_id"]).first()
            if work is None:
                raise CommandError(f"no work with id {options['work_id']}")
            try:
                marker = marker_set_by_operator(work=work, kind=options["kind"], start_s=options["start_s"],
                                                end_s=options["end_s"])
            except MarkerError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"set {marker}")
            return
        season = Season.objects.select_related("series").filter(pk=options["season_id"]).first()
        if season is None:
            known = ", ".join(str(pk) for pk in Season.objects.values_list("pk", flat=True)[:20])
            raise CommandError(f"no season with id {options['season_id']} (seasons: {known or 'none yet'})")
        if action == "detect":
            result = season_markers_detect(season=season)
            if result.episodes < 2:
                self.stdout.write(f"{season.series} season {season.number}: {result.episodes} published "
                                  "episode(s) listened to; at least two are needed to find what they share")
            else:
                self.stdout.write(f"{season.series} season {season.number}: {result.episodes} episodes, "
                                  f"{result.intros} intros, {result.credits} credits found")
            for line in result.skipped:
                self.stderr.write(f"skipped {line}")
        markers = Marker.objects.filter(work__episode__season=season).select_related("work") \
            .order_by("work__episode__number", "start_s")
        for m in markers:
            confidence = f"{m.confidence:.0%}" if m.confidence is not None else "–"
            self.stdout.write(f"  #{m.work_id} {m.work.title[:40]:40} {m.kind:8} {clock_text(m.start_s)}-"
                              f"{clock_text(m.end_s)}  {m.get_source_display()} ({confidence})")
