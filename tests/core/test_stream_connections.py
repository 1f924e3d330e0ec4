"""A streaming response gives its database connection back before its body is sent (core.http's
StreamConnectionReleaseMiddleware; the attack with stalled clients on a real server is in
tests/scale/test_pg_connections.py), and leaves alone a connection inside a transaction."""

import socket

import pytest
from django.db import connection

from reelhouse.playback.models import PlaybackSession
from tests.playback.playing import one_segment_stream

SIZE = 256 * 1024


def _released_at_request_end() -> bool:
    """Would Django give this connection up when the request ends (a pool, or no persistent connections)?"""
    return getattr(connection, "pool", None) is not None or not connection.settings_dict["CONN_MAX_AGE"]


@pytest.mark.django_db(transaction=True)
def test_a_segment_is_streamed_after_its_connection_went_back(client, licensed_source, subscriber):
    url = one_segment_stream(licence=licensed_source.licence, user=subscriber, size=SIZE)
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    assert (connection.connection is None) == _released_at_request_end()  # before one byte of the body was read
    assert b"".join(response.streaming_content) == bytes(SIZE)
    assert PlaybackSession.objects.count() == 1  # the next query takes a connection again


@pytest.mark.django_db
def test_inside_a_transaction_the_connection_stays(client, licensed_source, subscriber):
    url = one_segment_stream(licence=licensed_source.licence, user=subscriber, size=SIZE)
    held = connection.connection
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    assert connection.connection is held and connection.in_atomic_block
    assert b"".join(response.streaming_content) == bytes(SIZE)
    assert PlaybackSession.objects.count() == 1  # the test's transaction goes on


@pytest.mark.django_db
def test_under_gunicorn_a_stream_s_send_may_stall_only_so_long(client, licensed_source, subscriber, settings):
    """gunicorn hands the client's socket in the environ: a stream's socket gets the send timeout (a stalled client
    then frees its thread; the attack on a real gunicorn is in tests/scale/test_pg_connections.py), a page's does
    not (gunicorn sets it back to blocking for the connection's next request anyway)."""
    settings.REELHOUSE_STREAM_SEND_TIMEOUT_S = 7.5
    url = one_segment_stream(licence=licensed_source.licence, user=subscriber, size=SIZE)
    for path, timeout in ((url, 7.5), ("/healthz", None)):
        ours, theirs = socket.socketpair()
        with ours, theirs:
            response = client.get(path, **{"gunicorn.socket": ours})
            assert response.status_code == 200
            assert ours.gettimeout() == timeout
