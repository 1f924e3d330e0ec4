"""Where media live: one Django storage (STORAGES["default"]) holds sources, packages, downloads and artwork, on
local disk under MEDIA_ROOT (the embedded default) or in any S3-compatible bucket (REELHOUSE_STORAGE_URL; AWS S3,
Cloudflare R2, Ceph, MinIO, SeaweedFS) through django-storages + boto3. Names are '/'-separated keys relative to the
storage's root ('packages/<id>/master.m3u8'), the same on disk and in the bucket, so the nginx edge finds a file
under one path whichever it is.

The few operations Django's Storage API lacks for whole packages live here, once: walking and removing a folder
(a key prefix), uploading a folder with its manifest last, replacing one object (a growing playlist), fetching an
object into local scratch space."""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlsplit

S3_BACKEND = "storages.backends.s3.S3Storage"
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
UPLOAD_THREADS = 8  # parallel PUTs of one package (each small object's upload is mostly waiting on the store)


class StorageConfigError(ValueError):
    """REELHOUSE_STORAGE_URL is malformed; the message says what is expected."""


def storage_backend(url: str, *, access_key: str = "", secret_key: str = "") -> dict:
    """The STORAGES["default"] entry for REELHOUSE_STORAGE_URL: '' or 'file:' for local disk under MEDIA_ROOT,
    's3://<bucket>[/<prefix>]?endpoint=<http(s)://host:port>&region=<name>' for an S3-compatible store (endpoint
    left out: AWS S3 itself). Keys: the arguments, else boto3's own (AWS_ACCESS_KEY_ID, instance roles...)."""
    if not url or url in ("file:", "file://"):
        return {"BACKEND": LOCAL_BACKEND}
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise StorageConfigError(f"REELHOUSE_STORAGE_URL={url!r}: expected empty (local disk) or "
                                 "s3://<bucket>[/<prefix>]?endpoint=http://host:port&region=<region>")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint", "region", "addressing"}
    if unknown:
        raise StorageConfigError(f"REELHOUSE_STORAGE_URL: unknown option(s) {', '.join(sorted(unknown))} "
                                 "(known: endpoint, region, addressing)")
    options = {
        "bucket_name": parts.netloc,
        "location": parts.path.strip("/"),
        "endpoint_url": query.get("endpoint") or None,
        "region_name": query.get("region") or "us-east-1",
        # Most S3-compatible stores (SeaweedFS, MinIO, Ceph) serve buckets as a path, not a subdomain
        "addressing_style": query.get("addressing", "path" if query.get("endpoint") else "auto"),
        "signature_version": "s3v4",
        "file_overwrite": True,  # package names are fresh uuids; a retried upload replaces its own object
        "default_acl": None,
        "querystring_auth": True,
    }
    if access_key or secret_key:
        options |= {"access_key": access_key, "secret_key": secret_key}
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def media_storage():
    """The one media storage (Django's default storage)."""
    from django.core.files.storage import storages

    return storages["default"]


def storage_is_local() -> bool:
    """True when media are plain files under MEDIA_ROOT (the embedded default)."""
    from django.core.files.storage import FileSystemStorage

    return isinstance(media_storage(), FileSystemStorage)


def storage_describe() -> str:
    """'local disk at <path>' or 's3://<bucket>/<prefix> at <endpoint>', for logs, /readyz and the operator."""
    storage = media_storage()
    if storage_is_local():
        return f"local disk at {storage.location}"
    where = f"s3://{storage.bucket_name}/{storage.location}".rstrip("/")
    return f"{where} at {storage.endpoint_url or 'AWS S3'}"


def media_path(name: str) -> Path | None:
    """The local file of `name` when media are on local disk; None on object storage."""
    return Path(media_storage().path(name)) if storage_is_local() else None


def media_listdir(prefix: str) -> tuple[list[str], list[str]]:
    """(folders, files) directly inside `prefix`; empty when there is no such folder."""
    try:
        return media_storage().listdir(prefix)
    except FileNotFoundError:
        return [], []


@dataclass(frozen=True)
class StoredFile:
    name: str  # relative to the storage's root
    size: int
    modified: float  # epoch seconds
    etag: str = ""  # the object store's identity of the content (empty on local disk)


def media_walk(prefix: str) -> Iterator[StoredFile]:
    """Every file under `prefix` ('' for all), at any depth, in name order on object storage."""
    storage = media_storage()
    prefix = prefix.strip("/")
    if storage_is_local():
        root = Path(storage.path(prefix))
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    st = path.stat()
                    rel = path.relative_to(root).as_posix()
                    yield StoredFile(f"{prefix}/{rel}" if prefix else rel, st.st_size, st.st_mtime)
        return
    key_prefix = storage._normalize_name(prefix) + "/" if prefix else storage._normalize_name("")
    if key_prefix and not key_prefix.endswith("/"):
        key_prefix += "/"
    strip = len(storage.location.strip("/")) + 1 if storage.location else 0
    for obj in storage.bucket.objects.filter(Prefix=key_prefix):
        yield StoredFile(obj.key[strip:], obj.size, obj.last_modified.timestamp(), obj.e_tag.strip('"'))


def media_tree_delete(prefix: str) -> int:
    """Remove everything under `prefix` (a package or a leftover upload); returns how many files went."""
    storage = media_storage()
    prefix = prefix.strip("/")
    if not prefix or ".." in PurePosixPath(prefix).parts:
        raise ValueError(f"refusing to delete {prefix!r}: not a folder inside the media storage")
    if storage_is_local():
        root = Path(storage.path(prefix))
        count = sum(1 for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0
        shutil.rmtree(root, ignore_errors=True)
        return count
    keys = [storage._normalize_name(f.name) for f in media_walk(prefix)]
    for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
        storage.bucket.delete_objects(Delete={"Objects": [{"Key": k} for k in keys[start:start + 1000]],
                                              "Quiet": True})
    return len(keys)


def _upload_phases(files: Iterable[Path], root: Path, last: tuple[str, ...]) -> list[list[Path]]:
    """Media files first; then the playlists, which name them; then `last` (the master, which names the playlists)."""
    media, playlists, final = [], [], []
    for path in sorted(files):
        rel = path.relative_to(root).as_posix()
        (final if rel in last else playlists if path.suffix == ".m3u8" else media).append(path)
    return [media, playlists, sorted(final, key=lambda p: last.index(p.relative_to(root).as_posix()))]


def media_tree_upload(*, local: Path, prefix: str, last: tuple[str, ...] = ("master.m3u8",),
                      on_put: Callable[[str], None] | None = None) -> list[str]:
    """Upload the folder `local` as `prefix`/... : media files first, playlists after them, `last` (the master)
    at the very end, so the manifest exists only once everything it names does. Within a phase files go UPLOAD_THREADS
    at a time (one PUT each is latency-bound). On any failure what was uploaded is removed again (best effort: a
    killed process leaves it to the transcode sweep) and the error raised. Returns the names written. `on_put(name)`
    is called before each upload (progress, tests)."""
    storage = media_storage()
    local = Path(local)

    def put(path: Path) -> str:
        name = f"{prefix}/{path.relative_to(local).as_posix()}"
        if on_put is not None:
            on_put(name)
        with path.open("rb") as fh:
            saved = storage.save(name, fh)
        if saved != name:  # a local storage renames rather than overwrite: this prefix was not fresh
            raise FileExistsError(f"{name}: already in the media storage; packages are never overwritten")
        return name

    written: list[str] = []
    try:
        with ThreadPoolExecutor(max_workers=UPLOAD_THREADS, thread_name_prefix="media-upload") as pool:
            for phase in _upload_phases((p for p in local.rglob("*") if p.is_file() and not p.is_symlink()),
                                        local, last):
                futures = [pool.submit(put, path) for path in phase]
                try:
                    written += [future.result() for future in futures]  # the first failure is raised here
                finally:
                    for future in futures:
                        future.cancel()
    except BaseException:
        with contextlib.suppress(Exception):
            media_tree_delete(prefix)
        raise
    return written


def media_put(name: str, body: bytes, *, content_type: str = "application/octet-stream",
              cache_control: str = "") -> None:
    """Write (or replace) the stored file `name` with `body` as one object: a reader sees the old content or the new,
    never a part (an S3 PUT replaces an object atomically; on local disk a temporary file is renamed over it). For
    a file that changes while it is served (a growing playlist), unlike the write-once packages."""
    storage = media_storage()
    if storage_is_local():
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as tmp:
            tmp.write(body)
        os.replace(tmp.name, target)
        return
    extra = {"CacheControl": cache_control} if cache_control else {}
    storage.bucket.Object(storage._normalize_name(name)).put(Body=body, ContentType=content_type, **extra)


@contextlib.contextmanager
def media_folder_local(prefix: str, *, skip: tuple[str, ...] = ()) -> Iterator[Path]:
    """A local folder holding the stored folder `prefix` for tools that read files by path (ffmpeg on a package):
    on local disk the folder itself; on object storage a temporary copy (removed afterwards) of everything under it
    but the sub-folders named in `skip`."""
    if storage_is_local():
        yield Path(media_storage().path(prefix))
        return
    with tempfile.TemporaryDirectory(prefix="rh-media-") as tmp:
        root = Path(tmp)
        for stored in media_walk(prefix):
            rel = stored.name.removeprefix(prefix.strip("/") + "/")
            if rel.split("/", 1)[0] in skip or ".." in rel.split("/"):
                continue
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            media_fetch(stored.name, root / rel)
        yield root


def media_read_stream(name: str):
    """A file-like object streaming the stored file `name` (read it in blocks; close it afterwards). On S3 the
    object's body is read as it arrives, never held whole in memory or on disk (unlike Storage.open's S3File).
    Raises FileNotFoundError when there is no such file."""
    storage = media_storage()
    if storage_is_local():
        return open(storage.path(name), "rb")  # the caller closes it
    from botocore.exceptions import ClientError

    try:
        return storage.bucket.Object(storage._normalize_name(name)).get()["Body"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            raise FileNotFoundError(f"{name}: not in the media storage ({storage_describe()})") from exc
        raise


def media_fetch(name: str, dest: Path, *, chunk: int = 1 << 20,
                on_block: Callable[[bytes], None] | None = None) -> Path:
    """Copy the stored file `name` to the local path `dest` (created 0600, must not exist), calling `on_block` with
    each block read (hashing while copying). Raises FileNotFoundError when there is no such file."""
    src = media_read_stream(name)
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as out:
            while block := src.read(chunk):
                if on_block is not None:
                    on_block(block)
                out.write(block)
    finally:
        src.close()
    return dest
