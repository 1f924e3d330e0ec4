"""One path guard for files served from disk (core.http.file_under): artwork and stream files go through it, so a
name that climbs out of its folder, or a link planted inside it pointing out, is refused the same way for both."""

from pathlib import Path

import pytest
from django.conf import settings
from django.http import Http404

from reelhouse.core.http import file_under


def test_a_link_planted_in_the_artwork_folder_does_not_serve_the_file_it_points_to(client, django_user_model,
                                                                                   tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"not for you")
    folder = Path(settings.MEDIA_ROOT) / "artwork"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "planted-link.jpg"
    link.unlink(missing_ok=True)
    link.symlink_to(secret)
    try:
        assert client.get("/artwork/planted-link.jpg").status_code == 404
        assert client.get("/artwork/../../secret.jpg").status_code == 404
    finally:
        link.unlink()


def test_file_under_keeps_to_its_folder(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "seg.m4s").write_bytes(b"x")
    (tmp_path / "outside.txt").write_bytes(b"x")
    assert file_under(tmp_path / "pkg", "seg.m4s", missing="gone") == (tmp_path / "pkg" / "seg.m4s").resolve()
    for rel in ("../outside.txt", "/etc/passwd", ".", "nothing.m4s"):
        with pytest.raises(Http404, match="gone"):
            file_under(tmp_path / "pkg", rel, missing="gone")
