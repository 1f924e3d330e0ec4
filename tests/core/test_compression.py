"""Text goes out compressed (pages, styles, scripts; hls.js from its precompressed file), media never is, nor a
body too small to save a packet."""

import gzip
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from reelhouse.core.http import TextGZipMiddleware

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_pages_and_static_text_are_gzipped_for_browsers_that_take_it(client):
    page = client.get("/welcome/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert page["Content-Encoding"] == "gzip" and "Accept-Encoding" in page["Vary"]
    assert b"<html" in gzip.decompress(_body(page))
    css = client.get("/static/reelhouse/site.css", HTTP_ACCEPT_ENCODING="gzip")
    assert css["Content-Encoding"] == "gzip" and b".player" in gzip.decompress(_body(css))
    assert "Content-Encoding" not in client.get("/welcome/")  # a client that did not ask gets it plain


def test_hls_js_is_served_from_its_precompressed_file(client):
    vendor = Path(settings.BASE_DIR) / "reelhouse" / "static" / "vendor"
    script = client.get("/static/vendor/hls.min.js", HTTP_ACCEPT_ENCODING="gzip")
    assert script["Content-Encoding"] == "gzip"
    assert _body(script) == (vendor / "hls.min.js.gz").read_bytes()  # made by `make install`, not per request


@pytest.mark.parametrize("content_type", ["video/mp4", "image/jpeg", "application/vnd.apple.mpegurl",
                                          "application/octet-stream"])
def test_media_and_playlists_pass_untouched(content_type):
    request = RequestFactory().get("/stream/x", HTTP_ACCEPT_ENCODING="gzip")
    body = b"\x00" * 10_000
    response = TextGZipMiddleware(lambda r: HttpResponse(body, content_type=content_type))(request)
    assert "Content-Encoding" not in response and response.content == body


def test_a_body_that_fits_in_one_packet_goes_out_plain_and_a_larger_one_compressed():
    request = RequestFactory().post("/watch/session/x/heartbeat", HTTP_ACCEPT_ENCODING="gzip")
    small = b'{"stream_prefix": "/stream/' + b"a" * 400 + b'/"}'
    response = TextGZipMiddleware(lambda r: HttpResponse(small, content_type="application/json"))(request)
    assert "Content-Encoding" not in response and response.content == small
    large = b'{"rows": "' + b"b" * TextGZipMiddleware.MIN_LENGTH + b'"}'
    response = TextGZipMiddleware(lambda r: HttpResponse(large, content_type="application/json"))(request)
    assert response["Content-Encoding"] == "gzip" and gzip.decompress(response.content) == large
