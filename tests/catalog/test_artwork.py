"""Artwork is resized once into the widths pages use (WebP and JPEG, real Pillow images), named by its content and
served with immutable cache headers; pages reference only those variants, never an original."""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from reelhouse.catalog.artwork import KINDS, ArtworkError, artwork_import, artwork_store
from reelhouse.catalog.models import Film, Series
from reelhouse.catalog.services import work_for_identification
from reelhouse.catalog.templatetags.catalog_tags import picture
from reelhouse.ingest.identify import Identification
from reelhouse.ingest.naming import Identity
from reelhouse.ingest.nfo import NfoInfo

pytestmark = pytest.mark.django_db
VARIANT_URL = re.compile(r"^/artwork/(poster|backdrop|still)/[0-9a-f]{2}/[0-9a-f]{24}/w(\d+)\.(webp|jpg)$")


def image(path: Path, size=(1000, 1500), color=(200, 40, 40), fmt="PNG", **save) -> Path:
    img = Image.new("RGB", size, color)
    for x in range(0, size[0], 50):  # some detail, so encoders have something to do
        img.paste((x % 255, 90, 160), (x, 0, x + 10, size[1]))
    img.save(path, fmt, **save)
    return path


def test_a_poster_is_resized_once_into_each_width_as_webp_and_jpeg(tmp_path):
    source = image(tmp_path / "poster.png")
    ref = artwork_store(source=source, kind="poster")
    assert ref.endswith("/w400.jpg") and (Path(settings.MEDIA_ROOT) / ref).is_file()  # a plain image to any reader
    folder = (Path(settings.MEDIA_ROOT) / ref).parent
    assert sorted(p.name for p in folder.iterdir()) == ["w200.jpg", "w200.webp", "w400.jpg", "w400.webp"]
    for width in KINDS["poster"].widths:
        for ext, fmt in (("webp", "WEBP"), ("jpg", "JPEG")):
            with Image.open(folder / f"w{width}.{ext}") as out:
                assert (out.format, out.size) == (fmt, (width, width * 3 // 2))
    stamp = (folder / "w200.jpg").stat().st_mtime_ns
    assert artwork_store(source=source, kind="poster") == ref  # same image, same name, not resized again
    assert (folder / "w200.jpg").stat().st_mtime_ns == stamp
    other = artwork_store(source=image(tmp_path / "other.png", color=(10, 200, 10)), kind="poster")
    assert other != ref


def test_a_backdrop_gets_its_widths_and_a_small_image_is_never_enlarged(tmp_path):
    ref = artwork_store(source=image(tmp_path / "fanart.jpg", size=(1920, 1080), fmt="JPEG"), kind="backdrop")
    folder = (Path(settings.MEDIA_ROOT) / ref).parent
    with Image.open(folder / "w780.webp") as small, Image.open(folder / "w1280.jpg") as large:
        assert small.size == (780, 439) and large.size == (1280, 720)
    tiny = (Path(settings.MEDIA_ROOT) / artwork_store(source=image(tmp_path / "tiny.png", size=(150, 225)),
                                                      kind="poster")).parent
    with Image.open(tiny / "w400.jpg") as out:
        assert out.size == (150, 225)


def test_a_camera_rotated_image_is_turned_upright(tmp_path):
    source = tmp_path / "rotated.jpg"
    img = Image.new("RGB", (1500, 1000), (0, 0, 255))
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    img.save(source, "JPEG", exif=exif)
    folder = (Path(settings.MEDIA_ROOT) / artwork_store(source=source, kind="poster")).parent
    with Image.open(folder / "w200.jpg") as out:
        assert out.size == (200, 300)


def test_a_file_that_is_not_an_image_is_refused_by_name(tmp_path, caplog):
    bad = tmp_path / "poster.jpg"
    bad.write_bytes(b"<html>not a picture</html>")
    with pytest.raises(ArtworkError, match=r"poster\.jpg: not an image Reelhouse can read"):
        artwork_store(source=bad, kind="poster")
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(image(tmp_path / "full.jpg", fmt="JPEG").read_bytes()[:600])
    with pytest.raises(ArtworkError, match=r"cut\.jpg"):
        artwork_store(source=truncated, kind="poster")
    assert artwork_import(source=bad, kind="poster") == "" and "artwork ignored" in caplog.text
    assert not any(p.is_file() for p in (Path(settings.MEDIA_ROOT) / "artwork").rglob("*"))  # nothing half-written


def test_variants_are_served_with_immutable_cache_headers(tmp_path, client):
    ref = artwork_store(source=image(tmp_path / "poster.png"), kind="poster").rsplit("/", 1)[0]
    response = client.get(f"/{ref}/w400.webp")
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    jpeg = client.get(f"/{ref}/w200.jpg")
    assert jpeg["Content-Type"] == "image/jpeg" and b"".join(jpeg.streaming_content)[:2] == b"\xff\xd8"
    assert client.get("/artwork/../settings.py").status_code == 404
    assert client.get(f"/{ref}/w999.jpg").status_code == 404


def test_picture_offers_webp_with_a_jpeg_fallback_at_every_width(tmp_path):
    ref = artwork_store(source=image(tmp_path / "poster.png"), kind="poster")
    html = picture(ref, "poster", css_class="poster")
    # The page's largest paint (the home page's featured backdrop) is fetched first, not lazily.
    assert 'height="300" fetchpriority="high">' in picture(ref, "poster", loading="", fetchpriority="high")
    ref = ref.rsplit("/", 1)[0]
    assert html.startswith('<picture><source type="image/webp" srcset="/') and html.endswith("></picture>")
    assert f"/{ref}/w200.webp 200w, /{ref}/w400.webp 400w" in html
    assert f'src="/{ref}/w200.jpg" srcset="/{ref}/w200.jpg 200w, /{ref}/w400.jpg 400w"' in html
    assert 'width="200" height="300" class="poster" loading="lazy"' in html
    assert picture("", "poster") == ""
    assert picture("artwork/series/old-poster.jpg", "poster") == (
        '<img src="/artwork/series/old-poster.jpg" alt="" width="200" height="300" loading="lazy">')


def _artwork_urls(html: str) -> list[str]:
    urls = re.findall(r'(?:src|srcset)="([^"]+)"', html)
    return [u.split()[0] for attr in urls for u in attr.split(", ") if "/artwork/" in u or "poster" in u]


def test_pages_load_only_resized_variants_of_ingested_artwork(tmp_path, catalog, client, subscriber):
    poster, fanart = image(tmp_path / "poster.png"), image(tmp_path / "fanart.png", size=(1920, 1080))
    info = NfoInfo(kind="movie", title="Harbour Lights")
    film = work_for_identification(found=Identification(
        identity=Identity(kind="film", title="Harbour Lights", year=2020), item_info=info,
        artwork={"poster": poster, "fanart": fanart}), licence=None)
    ep = work_for_identification(found=Identification(
        identity=Identity(kind="episode", series="Night Train", season=1, episodes=(1,), title="Pilot"),
        item_info=NfoInfo(kind="episodedetails", title="Pilot"),
        series_info=NfoInfo(kind="tvshow", title="Night Train"), artwork={"poster": poster}), licence=None)
    catalog._publish(Film.objects.get(pk=film.pk))
    catalog._publish(ep)
    catalog.index()
    series = Series.objects.get(pk=ep.series_id)
    assert series.poster == Film.objects.get(pk=film.pk).poster  # the same image is stored once
    client.force_login(subscriber)
    originals = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (poster, fanart)}
    seen = set()
    for url in ["/", f"/films/{film.slug}/", f"/series/{series.slug}/", "/search/?q=harbour"]:
        html = client.get(url).content.decode()
        urls = _artwork_urls(html)
        assert urls, url
        for u in urls:
            m = VARIANT_URL.match(u)
            assert m, f"{url} loads {u}, not a resized variant"
            seen.add(u)
    assert any("/backdrop/" in u for u in seen) and any(u.endswith(".webp") for u in seen)
    # the title page's largest picture (the backdrop, else the poster) is fetched first, and only that one
    for url, kind in [(f"/films/{film.slug}/", "backdrop"), (f"/series/{series.slug}/", "poster")]:
        first = [img for img in re.findall(r"<img [^>]*>", client.get(url).content.decode())
                 if 'fetchpriority="high"' in img]
        assert len(first) == 1 and f"/{kind}/" in first[0], (url, first)
    for u in seen:
        response = client.get(u)
        body = b"".join(response.streaming_content)
        assert response.status_code == 200 and hashlib.sha256(body).hexdigest() not in originals
        kind, width = VARIANT_URL.match(u).group(1), int(VARIANT_URL.match(u).group(2))
        assert width in KINDS[kind].widths
    stored = {hashlib.sha256(p.read_bytes()).hexdigest() for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}
    assert not stored & originals  # no original was ever copied where a page could reach it


def _png_bomb(path: Path, side: int) -> Path:
    """A real, valid PNG of side x side black 1-bit pixels: a few hundred KB on disk, side² pixels once decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    squeeze = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + the row's bits
    idat = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("side", [8_000, 20_000])  # 64 Mpx: over the limit (Pillow would only warn); 400 Mpx
def test_a_decompression_bomb_is_refused_as_an_error(tmp_path, side):
    bomb = _png_bomb(tmp_path / "poster.png", side)
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(ArtworkError, match=rf"poster\.png: (too many pixels|{side}x{side} is more than the "
                                           r"50000000 pixels)"):
        artwork_store(source=bomb, kind="poster")
    assert artwork_import(source=bomb, kind="poster") == ""
    assert not (Path(settings.MEDIA_ROOT) / "artwork").exists() or not any(
        p.is_file() for p in (Path(settings.MEDIA_ROOT) / "artwork").rglob("*"))


def test_the_pixel_limit_is_a_setting(tmp_path, settings):
    settings.REELHOUSE_MAX_IMAGE_PIXELS = 1_000_000
    with pytest.raises(ArtworkError, match=r"poster\.png: (too many pixels|2000x2000 is more than the 1000000)"):
        artwork_store(source=_png_bomb(tmp_path / "poster.png", 2_000), kind="poster")


@pytest.mark.parametrize("fmt, said", [("GIF", "a GIF image"), ("TIFF", "a TIFF image"), ("BMP", "a BMP image"),
                                       ("SVG", "an SVG drawing")])
def test_only_jpeg_png_and_webp_are_opened(tmp_path, fmt, said):
    renamed = tmp_path / "poster.jpg"
    if fmt == "SVG":
        renamed.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="600"/>')
    else:
        Image.new("RGB", (400, 600), (200, 10, 10)).save(renamed, fmt)
    with pytest.raises(ArtworkError, match=rf"poster\.jpg: {said}, not an image Reelhouse can read \(only JPEG, PNG "
                                           r"and WebP"):
        artwork_store(source=renamed, kind="poster")


def test_artwork_is_never_read_through_a_symlink_or_a_fifo(tmp_path):
    import os

    link = tmp_path / "poster.jpg"
    link.symlink_to("/dev/zero")
    with pytest.raises(ArtworkError, match=r"poster\.jpg: a symbolic link \(links are not followed\), not an image"):
        artwork_store(source=link, kind="poster")
    fifo = tmp_path / "fanart.jpg"
    os.mkfifo(fifo)  # nobody writes to it: a blocking open would hang here for ever
    with pytest.raises(ArtworkError, match=r"fanart\.jpg: a FIFO, not an image file"):
        artwork_store(source=fifo, kind="backdrop")
