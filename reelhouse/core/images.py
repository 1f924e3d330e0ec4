"""Opening images that come from outside (artwork, posters, NFO thumbs, trickplay tiles) in one place: JPEG, PNG and
WebP only, never more pixels than REELHOUSE_MAX_IMAGE_PIXELS, and a decompression bomb is an error, not a warning."""

import os
import warnings
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from reelhouse.core.files import NotARegularFile, open_regular

FORMATS = ("JPEG", "PNG", "WEBP")  # Pillow's names; every other decoder (GIF, TIFF, BMP, PSD, ...) stays shut
DEFAULT_MAX_PIXELS = 50_000_000  # a 8K poster is 33 Mpx; nothing a page shows needs more
# What a refused file is, from its first bytes, so the refusal can say it.
_KINDS = ((b"GIF8", "a GIF image"), (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"),
          (b"BM", "a BMP image"), (b"8BPS", "a Photoshop file"), (b"%PDF", "a PDF document"),
          (b"<svg", "an SVG drawing"), (b"<?xml", "an XML document (SVG?)"), (b"\x00\x00\x01\x00", "an icon file"))


class ImageRefused(ValueError):
    """An image that is not opened; the message names the file, what it is, and what to do."""


def max_pixels() -> int:
    return int(getattr(settings, "REELHOUSE_MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))


def read_file(path: Path, *, max_bytes: int) -> bytes:
    """The bytes of a regular file, opened once without following a symlink and without blocking on a FIFO.
    Raises ImageRefused for anything else or anything larger than max_bytes."""
    try:
        fd = open_regular(path)
    except NotARegularFile as exc:
        raise ImageRefused(f"{Path(path).name}: {exc.strerror}, not an image file (deliver the image itself)") \
            from exc
    except OSError as exc:
        raise ImageRefused(f"{Path(path).name}: cannot read the image ({exc.strerror})") from exc
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if st.st_size > max_bytes:
            raise ImageRefused(f"{Path(path).name}: {st.st_size} bytes is larger than the {max_bytes} bytes an image "
                               "may be")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRefused(f"{Path(path).name}: larger than the {max_bytes} bytes an image may be")
    return data


def image_open(fp: str | Path | BinaryIO, *, name: str = "") -> Image.Image:
    """Image.open for an image from outside: only JPEG, PNG and WebP are tried, and a picture of more than
    max_pixels() is refused from its header, before anything is decoded. Raises ImageRefused; the caller closes
    the image (use it as a context manager)."""
    name = name or (Path(fp).name if isinstance(fp, (str, Path)) else getattr(fp, "name", "image"))
    limit = max_pixels()
    Image.MAX_IMAGE_PIXELS = limit  # Pillow warns above it and raises above twice it; both become our refusal
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(fp, formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused(f"{name}: too many pixels to open safely ({exc}); at most {limit} are allowed "
                           "(REELHOUSE_MAX_IMAGE_PIXELS)") from exc
    except UnidentifiedImageError as exc:
        kind = _kind(fp)
        raise ImageRefused(f"{name}: {kind + ', ' if kind else ''}not an image Reelhouse can read (only JPEG, PNG "
                           "and WebP are opened; convert it to one of those)") from exc
    if img.width * img.height > limit:  # whatever the warning filters of the moment say
        img.close()
        raise ImageRefused(f"{name}: {img.width}x{img.height} is more than the {limit} pixels an image may have "
                           "(REELHOUSE_MAX_IMAGE_PIXELS)")
    return img


def _kind(fp) -> str:
    try:
        if isinstance(fp, (str, Path)):
            with open(fp, "rb") as fh:
                head = fh.read(16)
        else:
            fp.seek(0)
            head = fp.read(16)
    except OSError:
        return ""
    text = head.lstrip()
    return next((kind for magic, kind in _KINDS if text.startswith(magic)), "")
