"""Artwork resized once into the widths pages use, as WebP and JPEG, under a name taken from the image's content
(artwork/<kind>/<xx>/<hash>/w<width>.<webp|jpg> in the media storage: local disk or the object store), so every URL
can be cached for ever and a changed image gets a new one. Titles store the path of the largest JPEG (a plain image
file for anything that wants one); pages derive the whole set from it. Originals are never copied into the media
storage, so no page can load one."""

import hashlib
import io
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps

from reelhouse.core.images import ImageRefused, image_open, read_file
from reelhouse.core.storage import media_storage, media_tree_upload, storage_is_local

log = logging.getLogger(__name__)
FORMAT_VERSION = "1"  # part of the name: changing sizes or encoders makes new files, never rewrites old ones
MAX_SOURCE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ArtSpec:
    widths: tuple[int, ...]
    aspect: float  # height / width the pages lay out (the image keeps its own)


KINDS = {
    "poster": ArtSpec(widths=(200, 400), aspect=1.5),
    "backdrop": ArtSpec(widths=(780, 1280), aspect=9 / 16),
    "still": ArtSpec(widths=(320, 640), aspect=9 / 16),
}
FORMATS = (("webp", "WEBP", {"quality": 80, "method": 4}),
           ("jpg", "JPEG", {"quality": 82, "optimize": True, "progressive": True}))


class ArtworkError(ValueError):
    """An image that cannot be used; the message names the file and why."""


_REF_RE = re.compile(r"^(artwork/([a-z]+)/[0-9a-f]{2}/[0-9a-f]{24})/w\d+\.jpg$")


def variant_set(ref: str) -> str | None:
    """The folder of the variant set a stored reference belongs to; None for a single legacy file."""
    m = _REF_RE.match(ref or "")
    return m.group(1) if m and m.group(2) in KINDS else None


def variant_path(ref: str, width: int, ext: str) -> str:
    """The path under MEDIA_ROOT of one variant of the set a stored reference belongs to."""
    return f"{variant_set(ref)}/w{width}.{ext}"


def artwork_store(*, source: Path, kind: str) -> str:
    """Resize an image into every width of its kind, WebP and JPEG, once; returns the reference to store (its
    largest JPEG: 'artwork/poster/ab/ab12.../w400.jpg'). Idempotent: the same image gives the same reference and
    is not resized again. Raises ArtworkError for a file that is not a usable image."""
    spec = KINDS[kind]
    source = Path(source)
    try:  # read once: what is hashed is what is decoded, whatever the path points at afterwards
        data = read_file(source, max_bytes=MAX_SOURCE_BYTES)
    except ImageRefused as exc:
        raise ArtworkError(str(exc)) from exc
    digest = hashlib.sha256(data)
    digest.update(f"|{kind}|{FORMAT_VERSION}".encode())
    name = digest.hexdigest()[:24]
    folder = f"artwork/{kind}/{name[:2]}/{name}"
    ref = f"{folder}/w{max(spec.widths)}.jpg"
    if not storage_is_local():  # object storage: resized in scratch space, uploaded with the reference last
        if media_storage().exists(ref):
            return ref
        with tempfile.TemporaryDirectory(prefix=f"rh-art-{name}-") as scratch:
            _resize_all(data, source.name, spec, Path(scratch))
            media_tree_upload(local=Path(scratch), prefix=folder, last=(Path(ref).name,))
        return ref
    final = Path(settings.MEDIA_ROOT) / folder
    if final.is_dir():
        return ref
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=final.parent))
    try:
        _resize_all(data, source.name, spec, work)
        try:
            os.rename(work, final)  # published whole; a reader never sees half a set
        except OSError:
            if not final.is_dir():
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return ref


def _resize_all(data: bytes, name: str, spec: ArtSpec, out: Path) -> None:
    try:
        with image_open(io.BytesIO(data), name=name) as img:
            img.draft("RGB", (max(spec.widths), round(max(spec.widths) * 4)))  # JPEG: decode at a smaller scale
            img = ImageOps.exif_transpose(img).convert("RGB")
            for width in spec.widths:
                w = min(width, img.width)  # never enlarged
                resized = img if w == img.width else img.resize((w, max(1, round(img.height * w / img.width))),
                                                                Image.Resampling.LANCZOS)
                for ext, fmt, options in FORMATS:
                    resized.save(out / f"w{width}.{ext}", fmt, **options)
    except ImageRefused as exc:
        raise ArtworkError(str(exc)) from exc
    except OSError as exc:
        raise ArtworkError(f"{name}: the image is damaged or truncated ({exc})") from exc


def artwork_import(*, source: Path | None, kind: str) -> str:
    """artwork_store for ingest: '' (and a warning in the log) instead of an error, so bad art never blocks a
    delivery."""
    if source is None:
        return ""
    try:
        return artwork_store(source=source, kind=kind)
    except ArtworkError as exc:
        log.warning("artwork ignored: %s", exc)
        return ""
