"""Shared fixtures: tiny clips made with the real ffmpeg, a licensed watch folder, a paying subscriber."""

import datetime as dt
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.utils import translation

from reelhouse.core import clock


@pytest.fixture(autouse=True)
def _reset_clock():
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _reset_language():
    """A request in French leaves French active in the thread (LocaleMiddleware does not switch back), so a later
    test that reads an English message would pass or fail with the order its worker happened to run the tests in."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test gets its own media and demo folders; packages never leak between tests."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REELHOUSE_STABLE_SECONDS = 0
    settings.MEDIA_ROOT.mkdir()


def make_clip(path: Path, *, seconds: float = 4, size: str = "854x480", audio: bool = True,
              pattern: str = "testsrc2") -> Path:
    """A small real H.264/AAC clip made by ffmpeg."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", f"{pattern}=size={size}:rate=25"]
    if audio:
        cmd += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    cmd += ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50"]
    cmd += ["-c:a", "aac", "-b:a", "64k"] if audio else []
    subprocess.run([*cmd, str(path)], check=True, timeout=120)
    return path


@pytest.fixture(scope="session")
def clip_cache(tmp_path_factory):
    """Clips are made once per session and copied where a test needs them."""
    cache = tmp_path_factory.mktemp("clips")
    made: dict[tuple, Path] = {}

    def get(**kwargs) -> Path:
        key = tuple(sorted(kwargs.items()))
        if key not in made:
            made[key] = make_clip(cache / f"clip{len(made)}.mp4", **kwargs)
        return made[key]

    return get


@pytest.fixture
def licensed_source(db, tmp_path):
    """A watch folder registered against a licensor with a current worldwide licence."""
    from reelhouse.ingest.models import Source
    from reelhouse.rights.models import Licence, Licensor

    licensor = Licensor.objects.create(name="Test Licensor")
    licence = Licence.objects.create(licensor=licensor, name="Worldwide 2020-", territories="WW",
                                     starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    folder = tmp_path / "watch"
    folder.mkdir()
    return Source.objects.create(name="Test source", path=str(folder), licensor=licensor, licence=licence)


@pytest.fixture
def subscriber(db):
    from reelhouse.accounts.services import user_create
    from reelhouse.billing.services import subscription_grant

    user = user_create(email="viewer@example.com", password="correct horse battery", display_name="Viewer")
    subscription_grant(user=user, days=30)
    return user


def deliver(source, relpath: str, clip: Path) -> Path:
    """Drop a copy of a clip into a source's folder, as a licensor's upload would."""
    target = Path(source.path) / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(clip.read_bytes())
    return target


def scan_until_settled(source, rounds: int = 2):
    """First scan records new files as waiting; the next one (stability period 0) processes them."""
    from reelhouse.ingest.dispatch import sources_scan

    for _ in range(rounds):
        sources_scan(sources=[source])


class Inbox:
    """What a real SMTP server (aiosmtpd) received: (recipients, raw message bytes) pairs."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port; Django's SMTP backend delivers to it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def with_role(user, *roles):
    """Give a staff account operator roles (accounts/roles.py); staff pages check the role's permissions."""
    from django.contrib.auth.models import Group

    user.groups.add(*Group.objects.filter(name__in=roles))
    assert user.groups.count() >= len(roles), f"missing role groups {roles}"
    return user
