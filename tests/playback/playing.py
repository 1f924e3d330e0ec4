"""Starting to play as the player does: the watch page (a GET that changes nothing), then the CSRF-checked POST
that opens the session and answers with the stream prefix, where to resume and the session's URLs. And, without
transcoding anything, a live session's URL for one segment of a given size."""

from pathlib import Path

from django.conf import settings

from reelhouse.catalog.models import Work
from reelhouse.core import clock
from reelhouse.media.models import Asset, Rendition
from reelhouse.playback.services import playback_start
from reelhouse.playback.signing import session_key, stream_prefix


def start_playing(client, work, *, expect: int = 200) -> dict:
    page = client.get(f"/watch/{work.pk}/")
    assert page.status_code == (200 if expect == 200 else page.status_code), page.content[:500]
    response = client.post(f"/watch/{work.pk}/start")
    assert response.status_code == expect, response.content[:500]
    return response.json()


def session_url(session, action: str = "heartbeat") -> str:
    """The session's heartbeat (or leave) URL with its key, as the start answer gives it to the page that started it."""
    return f"/watch/session/{session.id}/{session_key(session_id=str(session.id), user=session.profile.user)}/{action}"


def file_body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def published_film(*, licence, title: str = "The Long Take", duration_s: float = 600, directory: str = "packages/x",
                   sha256: str = "ab" * 32) -> Work:
    """A film published now under `licence`, with a 480p asset (its package is not on disk)."""
    film = Work.objects.create(kind=Work.Kind.FILM, title=title, licence=licence, published_at=clock.now())
    film.asset = Asset.objects.create(work=film, source_sha256=sha256, directory=directory, duration_s=duration_s,
                                      width=854, height=480)
    film.save(update_fields=["asset"])
    return film


def one_segment_stream(*, licence, user, size: int) -> str:
    """A film whose package holds one `size`-byte segment (sparse on disk, zeros), a live session of `user`'s first
    profile on it, and the signed URL of that segment (valid 10 minutes)."""
    film = published_film(licence=licence, directory="packages/long")
    Rendition.objects.create(asset=film.asset, name="v480", width=854, height=480, bandwidth=1_500_000)
    segment = Path(settings.MEDIA_ROOT) / "packages/long/v480/seg_00001.m4s"
    segment.parent.mkdir(parents=True)
    with segment.open("wb") as f:
        f.truncate(size)
    session = playback_start(profile=user.profiles.get(), work=film, device="test")
    assert "v480" in session.renditions
    return f"{stream_prefix(session_id=str(session.id), asset_id=film.asset_id, ttl=600)}v480/seg_00001.m4s"
