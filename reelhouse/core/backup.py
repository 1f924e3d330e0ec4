"""Backups: a consistent copy of the database plus the media, in one tar, and its restore.

The archive (`reelhouse-backup-<time>.tar`, uncompressed: segments and sources are compressed already) holds
  * `manifest.json`: format version, database engine, when, and every media file with its size and SHA-256;
  * `database.sqlite3` (SQLite's online backup API, page by page while the site runs: a consistent snapshot even
    with writers in WAL mode) or `database.pgdump` (`pg_dump --format=custom`, one transaction snapshot);
  * `media/...`: the media files themselves, unless `media=False`. By default they go in: the packages are what
    viewers play, and a database that points at segments nobody kept restores a catalog that cannot play. Leave
    them out (`--no-media`) when the media volume (or bucket) is backed up on its own; the manifest still lists
    every file with its hash, and `restore` then checks the media root against it.

On object storage (REELHOUSE_STORAGE_URL) the media stay in the bucket: the archive never copies them (the bucket is
backed up by the store's own means: versioning, replication, `rclone sync`), and the manifest lists every object
with its size and ETag (`"storage"` names the bucket). `restore` puts the database back and checks that every
listed object is still in the bucket with the same size and ETag, naming those that are missing or differ.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from reelhouse.core import clock
from reelhouse.core.storage import media_walk, storage_describe, storage_is_local

FORMAT = 1
Progress = Callable[[int, int, str], None]  # done, total, what


class BackupError(Exception):
    """A backup or restore that cannot go on, with what to do about it."""


@dataclass(frozen=True)
class RestoreReport:
    engine: str
    files_restored: int
    missing: list[str]  # listed in the manifest, not on disk after the restore
    altered: list[str]  # on disk with another hash than the manifest's


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def media_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()
                  and not p.name.startswith(".readyz-"))


def _pg_env_args() -> tuple[dict, list[str]]:
    """pg_dump's and pg_restore's connection: REELHOUSE_PG_DIRECT_URL when DATABASE_URL is a transaction-mode
    pgbouncer (their session settings, set before their transaction, would not follow it to another server
    connection), else the site's database."""
    env = os.environ.copy()
    if getattr(settings, "REELHOUSE_PG_DIRECT_URL", ""):
        return env, ["--dbname", settings.REELHOUSE_PG_DIRECT_URL]
    db = connection.settings_dict
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client (Debian: postgresql-client) "
                          "in the version of the server")
    return found


def _database_dump(into: Path) -> Path:
    if _engine() == "sqlite":
        target = into / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)  # online backup: a consistent snapshot while others write
        copy.close()
        return target
    target = into / "database.pgdump"
    env, args = _pg_env_args()
    done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args],
                          env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-1000:]}")
    return target


def backup_create(*, out: Path, media: bool = True, progress: Progress | None = None) -> Path:
    """Write the archive to `out` (a directory: a timestamped name inside it; or a file path ending in .tar)."""
    out = Path(out)
    if out.is_dir():
        out = out / f"reelhouse-backup-{clock.now():%Y%m%dT%H%M%SZ}.tar"
    if out.exists():
        raise BackupError(f"{out} exists already; choose another name (backups never overwrite)")
    root = Path(settings.MEDIA_ROOT)
    local = storage_is_local()
    media = media and local  # objects in a bucket are listed, never copied into the archive
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as scratch:
        dump = _database_dump(Path(scratch))
        files = (media_files(root) if root.is_dir() else []) if local else []
        entries = [] if local else [{"path": f.name, "size": f.size, "etag": f.etag} for f in media_walk("")]
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(dump, arcname=dump.name)
            for done, path in enumerate(files, 1):
                rel = path.relative_to(root).as_posix()
                entries.append({"path": rel, "size": path.stat().st_size, "sha256": _sha256(path)})
                if media:
                    tar.add(path, arcname=f"media/{rel}")
                if progress:
                    progress(done, len(files), rel)
            manifest = {"format": FORMAT, "engine": _engine(), "created_at": clock.now().isoformat(),
                        "database": dump.name, "media_included": media, "media": entries,
                        "storage": "local" if local else storage_describe()}
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(clock.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
        partial.rename(out)  # a backup that stopped half-way never looks complete
    return out


def _manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except KeyError as exc:
        raise BackupError("not a Reelhouse backup: no manifest.json in the archive") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not one this version reads ({FORMAT})")
    return manifest


def backup_restore(*, archive: Path, progress: Progress | None = None) -> RestoreReport:
    """Replace the database with the archive's and put its media back (files the archive carries), then check the
    media root against the manifest. The engine must match the one the backup was made from."""
    root = Path(settings.MEDIA_ROOT)
    with tarfile.open(archive, "r") as tar:
        manifest = _manifest(tar)
        engine = _engine()
        if manifest["engine"] != engine:
            raise BackupError(f"this backup is of a {manifest['engine']} database; the configured one is {engine}")
        with tempfile.TemporaryDirectory(prefix="reelhouse-restore-") as scratch:
            tar.extract(manifest["database"], scratch, filter="data")
            _database_load(Path(scratch) / manifest["database"])
        restored = 0
        if manifest["media_included"]:
            members = [m for m in tar.getmembers() if m.name.startswith("media/") and m.isfile()]
            root.mkdir(parents=True, exist_ok=True)
            for done, member in enumerate(members, 1):
                member.name = member.name.removeprefix("media/")
                tar.extract(member, root, filter="data")  # refuses absolute paths, '..' and links out of root
                restored += 1
                if progress:
                    progress(done, len(members), member.name)
    missing, altered = [], []
    if not storage_is_local():
        stored = {f.name: f for f in media_walk("")}
        for entry in manifest["media"]:
            found = stored.get(entry["path"])
            if found is None:
                missing.append(entry["path"])
            elif found.size != entry["size"] or (entry.get("etag") and found.etag != entry["etag"]):
                altered.append(entry["path"])
        return RestoreReport(engine=engine, files_restored=restored, missing=missing, altered=altered)
    for entry in manifest["media"]:
        path = root / entry["path"]
        if not path.is_file():
            missing.append(entry["path"])
        elif path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            altered.append(entry["path"])
    return RestoreReport(engine=engine, files_restored=restored, missing=missing, altered=altered)


def _database_load(dump: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(dump) as source:
            source.backup(connection.connection)  # page by page into the live file, under SQLite's own locks
        source.close()
        return
    connection.close()  # pg_restore --clean drops what this connection may hold open
    env, args = _pg_env_args()
    done = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                           *args, str(dump)], env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-1000:]}")


