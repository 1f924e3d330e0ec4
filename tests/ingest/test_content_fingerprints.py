"""Content fingerprints at ingest, through the real pipeline (real ffmpeg, tiny clips, the watch folder): a withdrawn
work re-encoded, cropped and renamed is recognised, quarantined with the notice named and counted as a strike
against its source, and never published; the same content from another licensor is held for review until an
operator retries it."""

import datetime as dt
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from reelhouse.accounts.services import user_create
from reelhouse.catalog.models import Episode, Film
from reelhouse.core.models import AuditEvent
from reelhouse.ingest.models import Delivery, Source
from reelhouse.ingest.services import delivery_retry
from reelhouse.media.fingerprints.library import library_index_forget
from reelhouse.media.models import Asset, Fingerprint, FingerprintMatch, TranscodeJob
from reelhouse.rights.models import Licence, Licensor, Notice, Strike
from reelhouse.rights.notices import notice_decide
from tests.conftest import deliver, make_clip, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)
EP1 = "Night Desk (2024)/Season 01/Night Desk - S01E01 - Pilot.mkv"


@pytest.fixture(autouse=True)
def _fresh_index():
    library_index_forget()
    yield
    library_index_forget()


def transformed(clip: Path, out: Path, vf: str) -> Path:
    """A copy of `clip` through ffmpeg filters, re-encoded at a high CRF (what an uploader hiding a copy does)."""
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(clip),
                    "-vf", vf, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "35", "-c:a", "aac", str(out)],
                   check=True, timeout=120)
    return out


def withdraw(work, reference: str) -> Notice:
    notice = Notice.objects.create(
        claimant_name="Ada", claimant_address="1 Rue X", claimant_email="ada@claim.example",
        works_claimed=str(work), scope="episode", urls=f"/watch/{work.pk}/", explanation="Ours.",
        good_faith=True, accurate=True, signature="Ada", reference=reference)
    notice_decide(notice=notice, outcome="accepted", ground="Copyright", facts="The claimant holds the rights.")
    return notice


def test_withdrawn_work_reencoded_and_cropped_comes_back_quarantined_with_a_strike(licensed_source, tmp_path,
                                                                                   admin_client, client):
    original = make_clip(tmp_path / "clips" / "pilot.mp4", seconds=4, size="640x360", pattern="mandelbrot")
    deliver(licensed_source, EP1, original)
    scan_until_settled(licensed_source)
    episode = Episode.objects.get()
    assert episode.is_published
    kept = Fingerprint.objects.get(work=episode)
    assert kept.in_library and kept.frames == 4 and len(bytes(kept.hashes)) == 4 * 32  # bytes, not a JSON list

    withdraw(episode, "RH-2026-000042")
    assert not Episode.objects.get().is_published

    # Cropped by 10% each way, re-encoded at CRF 35, and delivered as a film of another name.
    copy = transformed(original, tmp_path / "clips" / "copy.mp4", "crop=iw*0.9:ih*0.9,scale=576:324")
    deliver(licensed_source, "Quiet Harbour (2023)/Quiet Harbour (2023).mkv", copy)
    scan_until_settled(licensed_source)

    again = Delivery.objects.exclude(path=EP1).get()
    assert again.state == Delivery.State.QUARANTINED
    assert again.reason.startswith(f"matches {episode}, withdrawn after notice RH-2026-000042")
    film = Film.objects.get(title="Quiet Harbour")
    assert not film.is_published and not Asset.objects.filter(work=film).exists()  # never published,
    assert AuditEvent.objects.filter(action="transcode.quick_skipped").exists()  # not even as a quick low rung
    assert not AuditEvent.objects.filter(action="transcode.provisional", subject_id__in=[
        str(pk) for pk in TranscodeJob.objects.filter(delivery=again).values_list("pk", flat=True)]).exists()
    strike = Strike.objects.get(reason__startswith=f"delivery #{again.pk} ")  # besides the notice's own strike
    assert (strike.source_type, strike.source_id) == ("ingest.source", str(licensed_source.pk))
    assert "withdrawn after notice RH-2026-000042" in strike.reason and strike.work_id == episode.pk
    match = FingerprintMatch.objects.get(delivery=again)
    assert match.work_id == episode.pk and not match.mirrored
    start, end, theirs_start, theirs_end = match.segments[0]
    assert 0 <= start < end <= 4.5 and 0 <= theirs_start < theirs_end <= 4.5
    # Its fingerprint is kept (for the operator) but is not part of the library.
    assert Fingerprint.objects.filter(delivery=again, in_library=False).exists()

    # The operator sees the matching segments side by side: time ranges and a still of each side.
    page = admin_client.get(f"/admin/ingest/delivery/{again.pk}/change/").content.decode()
    assert f"Same pictures as {episode}" in page
    for side in ("delivery", "work"):
        url = f"/admin/ingest/delivery/{again.pk}/match/{match.pk}/{side}/0.jpg"
        assert url in page
        still = admin_client.get(url)
        assert still.status_code == 200 and still["Content-Type"] == "image/jpeg"
        assert still.content[:2] == b"\xff\xd8"  # a JPEG
    assert admin_client.get(f"/admin/ingest/delivery/{again.pk}/match/{match.pk}/other/0.jpg").status_code == 404
    assert admin_client.get(f"/admin/ingest/delivery/{again.pk}/match/{match.pk}/work/99.jpg").status_code == 404
    first = Delivery.objects.get(path=EP1)  # a match is only ever shown on its own delivery's page
    assert admin_client.get(f"/admin/ingest/delivery/{first.pk}/match/{match.pk}/work/0.jpg").status_code == 404
    # Staff without the quarantine role see no pictures of held material.
    client.force_login(user_create(email="staff@example.com", password="x" * 12, is_staff=True))
    assert client.get(f"/admin/ingest/delivery/{again.pk}/match/{match.pk}/work/0.jpg").status_code == 403


def test_mirrored_and_letterboxed_copy_of_a_withdrawn_work_is_recognised(licensed_source, tmp_path):
    original = make_clip(tmp_path / "clips" / "pilot.mp4", seconds=4, size="640x360", pattern="mandelbrot")
    deliver(licensed_source, EP1, original)
    scan_until_settled(licensed_source)
    withdraw(Episode.objects.get(), "RH-2026-000043")

    copy = transformed(original, tmp_path / "clips" / "copy.mp4", "hflip,scale=640:270,pad=640:360:0:45")
    deliver(licensed_source, "Quiet Harbour (2023)/Quiet Harbour (2023).mkv", copy)
    scan_until_settled(licensed_source)
    again = Delivery.objects.exclude(path=EP1).get()
    assert again.state == Delivery.State.QUARANTINED, again.reason
    assert "withdrawn after notice RH-2026-000043" in again.reason
    assert FingerprintMatch.objects.get(delivery=again).mirrored
    w, h, x, y = (int(v) for v in Fingerprint.objects.get(delivery=again).crop.split(":"))
    assert (w, x) == (640, 0) and 266 <= h <= 274 and 42 <= y <= 48  # the letterbox bars are cropped away


def test_the_sound_of_a_withdrawn_work_under_other_pictures_is_recognised(licensed_source, tmp_path, admin_client):
    original = make_clip(tmp_path / "clips" / "pilot.mp4", seconds=14, size="320x180", pattern="mandelbrot",
                         tune=3)
    deliver(licensed_source, EP1, original)
    scan_until_settled(licensed_source)
    episode = Episode.objects.get()
    withdraw(episode, "RH-2026-000044")

    # Its soundtrack, re-encoded, under pictures of something else entirely.
    copy = make_clip(tmp_path / "clips" / "copy.mp4", seconds=14, size="320x180", pattern="testsrc2", tune=3)
    deliver(licensed_source, "Quiet Harbour (2023)/Quiet Harbour (2023).mkv", copy)
    scan_until_settled(licensed_source)
    again = Delivery.objects.exclude(path=EP1).get()
    assert again.state == Delivery.State.QUARANTINED, again.reason
    assert again.reason.startswith(f"matches {episode}, withdrawn after notice RH-2026-000044")
    assert "of its sound" in again.reason and "pictures" not in again.reason
    assert Strike.objects.filter(reason__startswith=f"delivery #{again.pk} ").exists()
    match = FingerprintMatch.objects.get(delivery=again)
    assert match.by == "sound" and match.segments
    assert f"Same sound as {episode}" in admin_client.get(f"/admin/ingest/delivery/{again.pk}/change/").content.decode()


def test_same_content_from_another_licensor_is_held_for_review_then_published_when_retried(licensed_source,
                                                                                          tmp_path):
    original = make_clip(tmp_path / "clips" / "pilot.mp4", seconds=4, size="640x360", pattern="mandelbrot")
    deliver(licensed_source, EP1, original)
    scan_until_settled(licensed_source)
    episode = Episode.objects.get()

    other = Licensor.objects.create(name="Harbour Films")
    licence = Licence.objects.create(licensor=other, name="Harbour WW", territories="WW",
                                     starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    folder = tmp_path / "harbour"
    folder.mkdir()
    second = Source.objects.create(name="Harbour", path=str(folder), licensor=other, licence=licence)
    deliver(second, "Quiet Harbour (2023)/Quiet Harbour (2023).mkv",
            transformed(original, tmp_path / "clips" / "copy.mp4", "scale=426:240"))
    scan_until_settled(second)

    held = Delivery.objects.get(source=second)
    assert held.state == Delivery.State.QUARANTINED
    assert held.reason.startswith(f"same content as {episode} licensed from Test Licensor")
    assert not Strike.objects.filter(source_id=str(second.pk)).exists()  # a possible second licence, not a strike
    assert not Film.objects.get(title="Quiet Harbour").is_published

    delivery_retry(delivery=held)  # the operator checked: a second licence of the same content
    held.refresh_from_db()
    assert held.state == Delivery.State.PUBLISHED, held.reason
    assert Film.objects.get(title="Quiet Harbour").is_published


def test_distinct_content_passes_and_joins_the_library(licensed_source, tmp_path):
    """Distinct pictures over the same steady 440 Hz tone (a test card's kind of sound): neither matches."""
    deliver(licensed_source, EP1, make_clip(tmp_path / "a.mp4", seconds=12, size="320x180", pattern="mandelbrot"))
    deliver(licensed_source, "Quiet Harbour (2023)/Quiet Harbour (2023).mkv",
            make_clip(tmp_path / "b.mp4", seconds=12, size="320x180", pattern="testsrc2"))
    scan_until_settled(licensed_source)
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.PUBLISHED}
    assert Fingerprint.objects.filter(in_library=True).count() == 2
    assert not FingerprintMatch.objects.exists()
