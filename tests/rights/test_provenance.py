"""Provenance of a delivered work (real pipeline, real ffmpeg on a tiny clip): the command's JSON and the back-office
page name the delivery (source, time, sha256), the licence, the identification, the transcode job, every published
file with its sha256 — each checked here against the bytes on disk — and the notice that later withdrew it."""

import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from reelhouse.accounts.services import user_create
from reelhouse.catalog.models import Episode
from reelhouse.ingest.models import Delivery
from reelhouse.rights.models import Notice
from reelhouse.rights.notices import notice_decide
from tests.conftest import deliver, scan_until_settled, with_role

pytestmark = pytest.mark.django_db(transaction=True)
EP = "Night Desk (2024)/Season 01/Night Desk - S01E01 - Pilot.mkv"


def test_provenance_of_a_delivered_episode_matches_the_files(licensed_source, clip_cache, client):
    landed = deliver(licensed_source, EP, clip_cache(seconds=2, size="426x240"))
    source_sha = hashlib.sha256(landed.read_bytes()).hexdigest()
    scan_until_settled(licensed_source)
    episode = Episode.objects.get()
    notice = Notice.objects.create(
        claimant_name="Ada", claimant_address="1 Rue X", claimant_email="ada@claim.example", works_claimed="S01E01",
        scope="episode", urls=f"/watch/{episode.pk}/", explanation="Ours.", good_faith=True, accurate=True,
        signature="Ada", reference="RH-2026-000077")
    notice_decide(notice=notice, outcome="accepted", ground="Copyright", facts="Theirs.")

    out = StringIO()
    call_command("rights", "provenance", str(episode.pk), stdout=out)
    record = json.loads(out.getvalue())
    assert record["work"]["id"] == episode.pk and record["licence"]["name"] == "Worldwide 2020-"
    [chain] = record["assets"]
    delivery = chain["delivery"]
    assert delivery["sha256"] == source_sha == Delivery.objects.get().sha256
    assert delivery["source"]["name"] == "Test source" and delivery["path"] == EP and delivery["first_seen_at"]
    assert delivery["licence"]["licensor"] == "Test Licensor"
    identified = delivery["identification"]["decisions"]
    assert any(d["step"] == "identify" and "Night Desk" in d["outcome"] for d in identified)
    assert delivery["identification"]["identity"]["kind"] == "episode"
    assert chain["transcode_job"]["state"] == "done" and chain["transcode_job"]["finished_at"]
    root = Path(settings.MEDIA_ROOT) / chain["asset"]["directory"]
    on_disk = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert [f["path"] for f in chain["files"]] == on_disk and "master.m3u8" in on_disk
    for f in chain["files"]:  # every hash, against the bytes
        data = (root / f["path"]).read_bytes()
        assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["size"] == len(data), f["path"]
    [withdrawn] = record["notices"]
    assert withdrawn["reference"] == "RH-2026-000077" and withdrawn["decisions"][0]["outcome"] == "accepted"

    staff = with_role(user_create(email="legal@example.com", password="x" * 16, is_staff=True), "rights & legal")
    client.force_login(staff)
    page = client.get(f"/ops/ingest/provenance?work={episode.pk}").content.decode()
    assert source_sha in page and chain["files"][0]["sha256"] in page and "RH-2026-000077" in page
    assert client.get("/ops/ingest/provenance?work=999999").status_code == 404
    assert client.get("/ops/ingest/provenance?work=x;1").status_code == 400
    with pytest.raises(CommandError, match="no work #999999"):
        call_command("rights", "provenance", "999999")
