"""From a notice decision to the work being gone, on the seeded scale catalog (183,200 episodes, 10,500 films).

Seeds the scale catalog when missing (var/bench-takedown; the audience kept small: --subscribers etc., since only
the catalog's size matters here), picks a popular film a subscriber sees on the home page, puts it on their My List,
starts a playback session on it and takes a download, then accepts a notice against it (rights.notices.notice_decide,
as the review queue's Decide button does) and polls, through the real views and middleware (Django's test client,
in this process, with the production settings: the home page's per-process cache of shared rows is on), until:

  (a) catalog:  gone from the home page, My List, search (/search.json) and its title page (404)
  (b) play:     POST /watch/<id>/start answers 403 with its reason
  (c) segment:  the running session's next segment (under its still-unexpired token) answers 403
  (d) download: taking a new download is refused, and the earlier download's file link answers 403

Each figure is seconds from the start of the decision to the end of the first answer that showed the refusal (each
check polled every 50 ms by a thread of its own, at most --timeout seconds). Goals: (a), (b), (d) within 1 s; (c)
within one stream-token lifetime (REELHOUSE_STREAM_TOKEN_TTL). Prints, never asserts; ends with one JSON line.

    .venv/bin/python bench/takedown.py [--timeout 60] [--no-worker]

The default queue's background worker runs meanwhile, as under `reelhouse run` (--no-worker: without it).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench-takedown"
SEED_ARGS = ["--subscribers", "2000", "--progress-rows", "40000", "--plays-7d", "20000", "--no-fingerprints"]


def prepare() -> None:
    env = os.environ | {"REELHOUSE_VAR_DIR": str(VAR), "PYTHONUNBUFFERED": "1"}
    for name in ("REELHOUSE_TESTING", "DATABASE_URL"):
        env.pop(name, None)
    VAR.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "-m", "reelhouse.manage", "migrate", "--skip-checks", "-v", "0"], env=env, cwd=ROOT,
                   check=True)
    subprocess.run([python, "-m", "reelhouse.manage", "seed_scale", "--skip-checks", *SEED_ARGS], env=env, cwd=ROOT,
                   check=True)
    print(f"catalog ready in {time.monotonic() - t0:.0f} s")


def start_worker() -> subprocess.Popen:
    """The background worker of the default queue, as `reelhouse run` starts it: it runs the job that ends the
    playback sessions the licence rule now refuses (playback.receivers.work_withdrawn queues it)."""
    env = os.environ | {"REELHOUSE_VAR_DIR": str(VAR), "PYTHONUNBUFFERED": "1"}
    for name in ("REELHOUSE_TESTING", "DATABASE_URL"):
        env.pop(name, None)
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), "-m", "reelhouse.manage", "db_worker",
                             "--queue-name", "default", "--interval", "0.5", "--no-reload", "--no-startup-delay",
                             "--verbosity", "0"], env=env, cwd=ROOT)


def setup_django() -> None:
    os.environ["REELHOUSE_VAR_DIR"] = str(VAR)
    for name in ("REELHOUSE_TESTING", "DATABASE_URL"):
        os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def scene():
    """A subscriber (France), a film they see on the home page, a running session on it and a download of it."""
    from django.conf import settings
    from django.test import Client

    from reelhouse.accounts.models import User
    from reelhouse.accounts.services import user_create
    from reelhouse.billing.services import subscription_grant
    from reelhouse.catalog.models import Film, MyListItem, Work
    from reelhouse.catalog.selectors import home_rows
    from reelhouse.media.models import Rendition
    from reelhouse.playback.services import download_create, playback_start
    from reelhouse.playback.signing import stream_prefix

    user = User.objects.filter(email="takedown-bench@example.com").first() or user_create(
        email="takedown-bench@example.com", password="correct horse battery", display_name="Bench")
    user.country = "FR"
    user.save(update_fields=["country"])
    subscription_grant(user=user, days=30)
    profile = user.profiles.filter(is_owner=True).first() or user.profiles.first()
    rows = home_rows(profile=profile, country="FR")
    shared = [c for key in ("trending", "films") for c in rows[key] if c.kind == "film"]
    candidates = [c for c in shared if not Work.objects.filter(pk=c.object_id, withdrawals__isnull=False).exists()]
    if not candidates:
        raise SystemExit("no film on the home page that was not withdrawn already: reseed (rm -r var/bench-takedown)")
    card = candidates[0]
    film = Film.objects.select_related("asset", "licence").get(pk=card.object_id)
    if film.licence_id and not film.licence.allows_downloads:
        film.licence.allows_downloads = True
        film.licence.save(update_fields=["allows_downloads"])
    # The seeded packages are placeholders: give this one a rendition, a segment and a download file on disk.
    folder = Path(settings.MEDIA_ROOT) / film.asset.directory
    (folder / "v360").mkdir(parents=True, exist_ok=True)
    (folder / "download").mkdir(parents=True, exist_ok=True)
    (folder / "v360" / "seg_00001.m4s").write_bytes(b"\0" * 200_000)
    (folder / "download" / "360.mp4").write_bytes(b"\0" * 100_000)
    (folder / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n"
                                        "v360/index.m3u8\n")
    Rendition.objects.get_or_create(asset=film.asset, name="v360", defaults={
        "width": 640, "height": 360, "bandwidth": 800_000, "codecs": "avc1.64001e,mp4a.40.2"})
    MyListItem.objects.get_or_create(profile=profile, film=film)
    session = playback_start(profile=profile, work=film, device_id="bench-tv", device="bench")
    segment = stream_prefix(session_id=str(session.pk), asset_id=session.asset_id) + "v360/seg_00001.m4s"
    download = download_create(profile=profile, work=film)
    from reelhouse.playback.selectors import download_link

    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host of the production settings
    client.force_login(user)
    s = client.session
    s["reelhouse_profile_id"] = profile.pk
    s.save()
    return {"client": client, "film": film, "profile": profile, "segment": segment, "card": card,
            "download_url": download_link(download=download)}


def checks(sc, client=None) -> dict:
    """name -> function answering True once the film is refused/gone there (through `client`, the scene's own by
    default)."""
    client, film = client or sc["client"], sc["film"]
    page = f"/films/{film.slug}/"
    words = "+".join(film.title.split()[:3])
    return {
        "home": lambda: page not in client.get("/").content.decode(),
        "my_list": lambda: page not in client.get("/my-list/").content.decode(),
        "search": lambda: page not in client.get(f"/search.json?q={words}&limit=200").content.decode(),
        "title_page": lambda: client.get(page).status_code == 404,
        "play": lambda: client.post(f"/watch/{film.pk}/start").status_code == 403,
        "segment": lambda: client.get(sc["segment"]).status_code == 403,
        "download_new": lambda: "/download/" not in client.post(f"/watch/{film.pk}/download/").get("Location", ""),
        "download_file": lambda: client.get(sc["download_url"]).status_code == 403,
    }


def poll_concurrently(sc, probe: dict, *, started: float, timeout: float) -> dict[str, float]:
    """Each check polled by a thread of its own (its own client, same signed-in session, its own database
    connection), so one slow page does not delay another's figure: seconds from `started` to the end of the first
    answer that showed the refusal."""
    import threading

    from django.db import connection
    from django.test import Client

    seen: dict[str, float] = {}

    def poll(name: str) -> None:
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies = sc["client"].cookies
        check = checks(sc, client)[name]
        try:
            while time.perf_counter() - started < timeout:
                if check():
                    seen[name] = time.perf_counter() - started
                    return
                time.sleep(0.05)
        finally:
            connection.close()

    threads = [threading.Thread(target=poll, args=(name,)) for name in probe]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--no-worker", action="store_true", help="measure without the background worker (streams "
                        "then stop only when their token expires)")
    args = parser.parse_args()
    prepare()
    worker = None if args.no_worker else start_worker()
    try:
        run(args, worker=worker is not None)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


def run(args, *, worker: bool) -> None:
    setup_django()
    from django.conf import settings

    from reelhouse.catalog.models import Episode, Film
    from reelhouse.rights.models import Notice
    from reelhouse.rights.notices import notice_decide

    print(f"catalog: {Episode.objects.count():,} episodes, {Film.objects.count():,} films; stream token lifetime "
          f"{settings.REELHOUSE_STREAM_TOKEN_TTL} s; home shared-rows cache {settings.REELHOUSE_HOME_CACHE_SECONDS} s; "
          f"background worker {'running' if worker else 'off'}")
    sc = scene()
    film = sc["film"]
    probe = checks(sc)
    before, latency = {}, {}
    for name, check in probe.items():  # also the plain latency of each request, one at a time, for comparison
        t = time.perf_counter()
        before[name] = check()
        latency[name] = time.perf_counter() - t
    client = sc["client"]
    statuses = {"/": client.get("/").status_code, "title": client.get(f"/films/{film.slug}/").status_code,
                "segment": client.get(sc["segment"]).status_code}
    print(f"before the decision: answers {statuses}")
    print(f"film #{film.pk} '{film.title}' (home row card, on My List, session running, download taken)")
    print("before the decision, already refused: " + (", ".join(k for k, v in before.items() if v) or "none"))
    notice = Notice.objects.create(
        claimant_name="Bench Claimant", claimant_address="1 Bench Street", claimant_email="claims@bench.example",
        works_claimed=film.title, scope=Notice.Scope.FILM, urls=f"{settings.SITE_URL}/films/{film.slug}/",
        explanation="Bench takedown.", good_faith=True, accurate=True, signature="Bench Claimant")
    notice.reference = f"RH-BENCH-{notice.pk:06d}"
    notice.save(update_fields=["reference"])
    started = time.perf_counter()
    notice_decide(notice=notice, outcome="accepted", ground="Bench", facts="Bench takedown on the scale catalog.")
    decided = time.perf_counter() - started
    seen = poll_concurrently(sc, probe, started=started, timeout=args.timeout)
    print(f"decision (withdraw, strikes, statement of reasons queued) took {decided:.3f} s")
    for name in probe:
        shown = f"{seen[name]:.3f} s" if name in seen else f"NOT within {args.timeout:.0f} s"
        print(f"  {name:14s} refused after {shown:>10}   (one such request alone, before: {latency[name]:.3f} s)")

    def worst(*names):
        values = [seen.get(n) for n in names]
        return None if any(v is None for v in values) else round(max(values), 3)

    out = {"withdraw_catalog_s": worst("home", "my_list", "search", "title_page"), "withdraw_play_s": worst("play"),
           "withdraw_segment_s": worst("segment"), "withdraw_download_s": worst("download_new", "download_file"),
           "decision_s": round(decided, 3), "home_request_s": round(latency["home"], 3),
           "token_ttl_s": settings.REELHOUSE_STREAM_TOKEN_TTL,
           "home_cache_s": settings.REELHOUSE_HOME_CACHE_SECONDS, "worker": worker,
           "episodes": Episode.objects.count(),
           "films": Film.objects.count()}
    for key, goal in (("withdraw_catalog_s", 1), ("withdraw_play_s", 1), ("withdraw_download_s", 1),
                      ("withdraw_segment_s", settings.REELHOUSE_STREAM_TOKEN_TTL)):
        value = out[key]
        verdict = "not reached" if value is None else ("within" if value <= goal else "OVER")
        print(f"{key:22s} {value if value is not None else '-':>8} s  goal {goal} s: {verdict}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
