"""schemathesis over the API's own OpenAPI document, through the WSGI app, as account A's device: generated requests
for every operation (bounded examples; positive data, positive data on titles, sessions and downloads that exist,
and negative data) find no server error and no response outside the schema (status, content type, body, headers),
and pass the checks schemathesis adds (unauthenticated requests refused, bad input rejected)."""

from contextlib import contextmanager
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

pytestmark = pytest.mark.django_db

POSITION_PATHS = ("/heartbeat", "/stop")
EXAMPLES = 10  # per operation and kind of data: the whole run stays under two minutes on two cores


@contextmanager
def connections_kept():
    """The WSGI app called directly (as schemathesis does) closes the database connection when a request ends;
    inside the test's transaction it must stay open, as Django's own test client arranges (which also reconnects
    the closing when each of its requests ends: so no test-client request inside this block)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def existing(world) -> dict[str, dict]:
    """Path parameters that name things A has, per path template, so generation reaches past the 404s."""
    folder = Path(django_settings.MEDIA_ROOT) / "packages" / "api" / "download"
    folder.mkdir(parents=True)
    (folder / "360.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    session = world.a.send("post", "/api/v1/playback/start", {"work_id": world.film.pk}).json()["session_id"]
    download = world.a.send("post", "/api/v1/downloads", {"work_id": world.film.pk}).json()["id"]
    return {
        "/series/{slug}": {"slug": "harbour-lights"},
        "/series/{slug}/seasons/{number}/episodes": {"slug": "harbour-lights", "number": 1},
        "/episodes/{work_id}": {"work_id": world.episodes[0].pk},
        "/films/{slug}": {"slug": "the-long-take"},
        "/my-list/{kind}/{slug}": {"kind": "films", "slug": "the-long-take"},
        "/follows/{slug}": {"slug": "harbour-lights"},
        "/progress/{work_id}": {"work_id": world.film.pk},
        "/playback/{session_id}/heartbeat": {"session_id": session},
        "/playback/{session_id}/stop": {"session_id": session},
        "/downloads/{download_id}": {"download_id": download},
    }


def test_generated_requests_conform_to_the_schema(world, settings):
    """Every operation in turn. (schemathesis' lazy pytest loader, which would give each operation its own test
    item, does not run under pytest 9 yet: it reads a node attribute pytest 9 removed; so one test walks them.)"""
    from reelhouse.wsgi import application

    settings.REELHOUSE_API_REQUESTS_PER_MINUTE = 10**6  # generated requests come fast; the limit has its own test
    settings.REELHOUSE_API_BAD_TOKENS_PER_CLIENT = 10**6
    known = existing(world)
    # identity: schemathesis's WSGI transport does not undo gzip as an HTTP client would (test_compression.py)
    headers = {"Authorization": f"Bearer {world.token_a}", "Accept-Encoding": "identity"}
    with connections_kept():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    calls: dict[str, int] = {}
    for operation in operations:
        strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
        if fixed := known.get(operation.path.removeprefix("/api/v1")):
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed))

        @given(case=st.one_of(strategies))
        @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                             suppress_health_check=list(HealthCheck))
        def conforms(case):
            if case.path.endswith(POSITION_PATHS):
                # A position past the title's length is schema-valid but refused (the length is not in the
                # schema): that one refusal is allowed, with its own code, and nothing else.
                response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
                if case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE:
                    assert response.status_code != 422 or response.json()["code"] == "invalid_position", \
                        response.text
            else:
                case.call_and_validate(headers=headers)
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1

        with connections_kept():
            conforms()
    assert len(calls) == len(operations), set(op.label for op in operations) - set(calls)
    print(f"schemathesis: {sum(calls.values())} requests over {len(calls)} operations")
