"""Attachments: the type is decided from the bytes (a declared type or a file name proves nothing), sizes are bounded,
and files live under REELHOUSE_SUPPORT_FILES_DIR by a random name, 0600, outside the web root; the desk serves them
only through the one access check (access.py)."""

import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from reelhouse.core.private import private_dir
from reelhouse.support import conf

SIGNATURES = [(b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
              (b"GIF89a", "image/gif"), (b"%PDF-", "application/pdf")]


class AttachmentRefused(ValueError):
    """A file the desk does not keep as an attachment; the message names the file and why."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def sniff(data: bytes) -> str:
    """The type the bytes really are, among the allowed ones; '' when none."""
    for magic, kind in SIGNATURES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return ""
        return "text/plain"
    return ""


def _image_ok(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    return True


def clean_name(filename: str) -> str:
    name = os.path.basename((filename or "").replace("\\", "/")).strip().lstrip(".")
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*;')[:150]
    return name or "attachment"


def check(upload: Upload) -> str:
    """The content type to store `upload` under; AttachmentRefused with the reason otherwise."""
    name = clean_name(upload.filename)
    if len(upload.data) > conf.ATTACHMENT_MAX_BYTES:
        raise AttachmentRefused(_("%(name)s is %(size)s MB; attachments can be up to %(max)s MB.") % {
            "name": name, "size": round(len(upload.data) / 1048576, 1), "max": conf.ATTACHMENT_MAX_BYTES // 1048576})
    kind = sniff(upload.data)
    if not kind or (kind.startswith("image/") and not _image_ok(upload.data)):
        raise AttachmentRefused(_("%(name)s is not a picture, PDF or text file; send a screenshot, a PDF or plain "
                                  "text instead.") % {"name": name})
    return kind


def check_all(uploads: list[Upload]) -> list[tuple[Upload, str]]:
    if len(uploads) > conf.ATTACHMENTS_PER_MESSAGE:
        raise AttachmentRefused(_("At most %(n)s files can go with one message.") % {"n": conf.ATTACHMENTS_PER_MESSAGE})
    return [(u, check(u)) for u in uploads]


def store(data: bytes) -> tuple[str, str]:
    """Write the bytes under a new random name; returns (stored name, sha256)."""
    folder = private_dir(conf.files_dir() / "files")
    name = secrets.token_hex(16)
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return name, hashlib.sha256(data).hexdigest()


def path_of(stored_name: str) -> Path:
    return conf.files_dir() / "files" / stored_name
