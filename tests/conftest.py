"""Shared fixtures: tiny clips made with the real ffmpeg, a licensed watch folder, a paying subscriber."""

import datetime as dt
import os
import subprocess
import uuid
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.utils import translation

from reelhouse.core import clock

# What gives a test the test database (pytest-django refuses database access to a test without one of these).
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
                     "live_server"}


def pytest_collection_modifyitems(config, items):
    """A test marked engine_independent runs on the SQLite pass only (scripts/test.sh deselects it on PostgreSQL), so
    it must not reach the database: one that does is a collection error, not a test left out on PostgreSQL."""
    for item in items:
        if item.get_closest_marker("engine_independent") and (
                item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))):
            raise pytest.UsageError(f"{item.nodeid} is marked engine_independent but uses the database: drop the "
                                    "mark (module pytestmark) or the database from that test")


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
    """Every test gets its own media and demo folders; packages never leak between tests. And its own var folder
    for what the service keeps there at run time (staged sources, backups, the demo password; created when used):
    the xdist workers share REELHOUSE_VAR_DIR, where the job-1 staging folder of a transcode in one worker was
    removed by a transcode of another worker's job 1 ("source.mkv: cannot read file")."""
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REELHOUSE_STABLE_SECONDS = 0
    settings.MEDIA_ROOT.mkdir()


@pytest.fixture(scope="session")
def seaweed():
    """A real SeaweedFS with its S3 gateway for this test process (tests/seaweed.py), started once."""
    from tests.seaweed import seaweed_server

    with seaweed_server() as store:
        yield store


@pytest.fixture
def s3_media(settings, seaweed):
    """Media on object storage for one test: the default storage is the SeaweedFS bucket, under a prefix of the
    test's own, configured exactly as REELHOUSE_STORAGE_URL would."""
    from reelhouse.core.storage import storage_backend
    from tests.seaweed import S3Media

    media = S3Media(store=seaweed, prefix=f"t-{uuid.uuid4().hex[:12]}")
    settings.STORAGES = {**settings.STORAGES, "default": storage_backend(
        media.storage_url(), access_key=seaweed.access_key, secret_key=seaweed.secret_key)}
    return media


def make_clip(path: Path, *, seconds: float = 4, size: str = "854x480", audio: bool = True,
              pattern: str = "testsrc2", tune: int | None = None, dubbed: bool = False) -> Path:
    """A small real H.264/AAC clip made by ffmpeg: a 440 Hz tone, or the tune numbered `tune` (synthetic.tune: a
    sound of its own that a chromaprint can tell apart). `dubbed`: two audio tracks, English (440 Hz) and French
    (660 Hz), as a dubbed film is delivered."""
    from reelhouse.media.fingerprints.synthetic import tune as tune_source

    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", f"{pattern}=size={size}:rate=25"]
    if audio:
        cmd += ["-f", "lavfi", "-i", tune_source(tune) if tune is not None else "sine=frequency=440:sample_rate=48000"]
    if dubbed:
        cmd += ["-f", "lavfi", "-i", "sine=frequency=660:sample_rate=48000",
                "-map", "0:v", "-map", "1:a", "-map", "2:a",
                "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fre"]
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


# Media settings a package depends on besides package_build's own arguments (reelhouse/media/conf.py).
PACKAGE_SETTINGS = ("REELHOUSE_ADAPTIVE_LADDER", "REELHOUSE_ADAPTIVE_MIN_S", "REELHOUSE_FFMPEG",
                    "REELHOUSE_FINGERPRINT_FPS", "REELHOUSE_X264_PRESET")


def _rebased(value, old: Path, new: Path):
    """`value` (a PackageResult field) with every path inside `old` moved to the same place inside `new`."""
    if isinstance(value, Path):
        return new / value.relative_to(old) if value.is_relative_to(old) else value
    if isinstance(value, str) and value.startswith(f"{old}/"):
        return str(new / Path(value).relative_to(old))
    if isinstance(value, dict):
        return {k: _rebased(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_rebased(v, old, new) for v in value]
    return value


@pytest.fixture(scope="session")
def _packages_built(tmp_path_factory):
    return tmp_path_factory.mktemp("packages"), {}


@pytest.fixture
def packages_reused(monkeypatch, settings, _packages_built):
    """For tests that need published titles but are not about packaging them (playback, journeys): package_build
    runs once per session (and xdist worker) for a given source (its bytes), arguments and media settings, and every
    later build of the same gets a copy of that package, so a module's tests do not transcode the same clip each.
    Sources with sidecar subtitles are always built. No quick rung is published ahead of the ladder (it is replaced
    by the full package before the transcode returns; tests/media/test_quick.py and tests/e2e/test_quick_publish.py
    prove it). The media and ingest tests build every package for real."""
    import dataclasses
    import hashlib
    import shutil

    from reelhouse.media.transcode import package

    settings.REELHOUSE_QUICK_PUBLISH = False
    folder, built = _packages_built
    real_build = package.package_build

    def package_build(*, source, dest, on_progress=None, subtitles=None, **options):
        if subtitles:
            return real_build(source=source, dest=dest, on_progress=on_progress, subtitles=subtitles, **options)
        key = (hashlib.sha256(Path(source).read_bytes()).hexdigest(), tuple(sorted(options.items())),
               tuple(getattr(settings, name, None) for name in PACKAGE_SETTINGS))
        if key not in built:
            built[key] = real_build(source=source, dest=folder / f"p{len(built)}", on_progress=on_progress,
                                    **options)
        first = built[key]
        if Path(dest).exists():
            raise FileExistsError(f"{dest}: package folder already exists; packages are never overwritten")
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(first.directory, dest)
        return dataclasses.replace(first, **{f.name: _rebased(getattr(first, f.name), first.directory, Path(dest))
                                             for f in dataclasses.fields(first)})

    monkeypatch.setattr(package, "package_build", package_build)


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


def episode_delivered(source, relpath: str, clip: Path):
    """The one episode a delivered clip becomes once ingested (identified, transcoded and published)."""
    from reelhouse.catalog.models import Episode

    deliver(source, relpath, clip)
    scan_until_settled(source)
    return Episode.objects.get()


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


class ImapMailbox:
    """A real IMAP server's mailbox (dovecot): `url` for REELHOUSE_SUPPORT_IMAP_URL, `append` delivers a mail into it
    as a mail server would, `flags` says what our reader marked."""

    def __init__(self, host: str, port: int, user: str, password: str):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.url = f"imap://{user.replace('@', '%40')}:{password}@{host}:{port}/INBOX"

    def _client(self):
        import imaplib

        imap = imaplib.IMAP4(self.host, self.port, timeout=30)
        imap.login(self.user, self.password)
        imap.select("INBOX")
        return imap

    def append(self, raw: bytes) -> None:
        with self._client() as imap:
            imap.append("INBOX", None, None, raw)

    def flags(self) -> list[str]:
        with self._client() as imap:
            _typ, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            return [item.decode() for item in data if item]


def _dovecot_binary() -> str:
    """Debian's dovecot-imapd, installed when missing (as the Makefile's chromium target does)."""
    import shutil

    found = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else "")
    if not found:
        subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd",
                       shell=True, check=True, capture_output=True)
        found = "/usr/sbin/dovecot"
    return found


@pytest.fixture
def imap_server():
    """A real IMAP server (dovecot, as a child process with its own config): one mailbox, plaintext login on
    loopback only."""
    import os
    import pwd
    import shutil
    import socket
    import tempfile
    import time

    binary = _dovecot_binary()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(tempfile.mkdtemp(prefix="rh-dovecot-"))
    root.chmod(0o755)  # dovecot's own users traverse it
    (root / "run").mkdir()
    (root / "mail").mkdir()
    user, password = "support@reelhouse.test", "imap-secret"
    (root / "users").write_text(f"{user}:{{PLAIN}}{password}\n")
    me = pwd.getpwuid(os.geteuid()).pw_name
    owner = "dovecot" if os.geteuid() == 0 else me  # dovecot gives mail access to no root process
    if os.geteuid() == 0:
        shutil.chown(root / "mail", owner, owner)
    services = "" if os.geteuid() == 0 else (f"default_login_user = {me}\ndefault_internal_user = {me}\n"
                                             f"default_internal_group = {me}\n")
    (root / "dovecot.conf").write_text(f"""
base_dir = {root}/run
state_dir = {root}/run/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
{services}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={owner} gid={owner} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""")
    process = subprocess.Popen([binary, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                process.kill()
                raise RuntimeError(f"dovecot did not start on port {port}: {log[-2000:]}") from None
            time.sleep(0.1)
    yield ImapMailbox("127.0.0.1", port, user, password)
    process.terminate()
    process.wait(timeout=20)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """With REELHOUSE_PG_PGBOUNCER=1 on PostgreSQL (scripts/test.sh's PostgreSQL run), every connection after the
    test database is created goes through a real pgbouncer in transaction mode (tests/pgbouncer.py), as a site
    behind one does: this process's, and those of the servers and workers the tests start (they connect to
    connection.settings_dict's HOST and PORT). The database is created and dropped on PostgreSQL itself."""
    from django.conf import settings
    from django.db import connections

    from tests.pgbouncer import pgbouncer

    db = connections["default"].settings_dict
    if not (settings.REELHOUSE_PG_PGBOUNCER and connections["default"].vendor == "postgresql"):
        yield
        return
    direct = {"HOST": db["HOST"], "PORT": db["PORT"]}
    host, port = db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)
    with pgbouncer(server_host=host, server_port=port, user=db["USER"] or "postgres") as bouncer:
        # pg_dump and pg_restore (reelhouse backup/restore) reach PostgreSQL itself, as docs/operations.md says.
        settings.REELHOUSE_PG_DIRECT_URL = f"postgresql://{db['USER'] or 'postgres'}@{host}:{port}/{db['NAME']}"
        with django_db_blocker.unblock():
            _reconnect(connections, HOST=bouncer.host, PORT=str(bouncer.port))
        try:
            yield bouncer
        finally:
            with django_db_blocker.unblock():
                _reconnect(connections, **direct)
            settings.REELHOUSE_PG_DIRECT_URL = ""


def _reconnect(connections, **changes):
    """Point the default database's settings (shared by every thread's connection) elsewhere; the pool and this
    thread's connection start again from them."""
    conn = connections["default"]
    conn.close()
    if getattr(conn, "pool", None):
        conn.close_pool()
    conn.settings_dict.update(changes)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium per test process (Playwright's sync API), shared by the browser journeys and the
    fleet test: a second `sync_playwright()` while this one lives would fail ("Sync API inside the asyncio loop")."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _install_csp_safe_waits

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make install chromium` (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    _install_csp_safe_waits()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
