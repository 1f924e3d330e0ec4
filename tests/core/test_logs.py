"""Structured logs: one correlation id follows a delivery from the scan through identify and transcode to publish;
JSON lines with REELHOUSE_LOG_FORMAT=json, readable lines by default."""

import io
import json
import logging

import pytest

from reelhouse.core.logs import formatter
from reelhouse.ingest.models import Delivery
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def json_lines():
    """The project's log lines as the JSON formatter writes them (the handler LOGGING installs, on a buffer)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(json=True))
    logger = logging.getLogger("reelhouse")
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.level = level


def test_every_step_of_an_ingest_carries_the_deliverys_correlation_id(licensed_source, clip_cache, json_lines,
                                                                      settings):
    settings.REELHOUSE_STABLE_SECONDS = 0
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv", clip_cache(seconds=2))
    scan_until_settled(licensed_source)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED
    lines = json_lines()
    mine = [line for line in lines if line.get("delivery_id") == delivery.pk]
    steps = {line.get("step") or line["event"].split(":")[0] for line in mine}
    assert {"scan", "identify", "transcode", "publish"} <= steps, [line["event"] for line in lines]
    assert {line["correlation_id"] for line in mine} == {f"delivery-{delivery.pk}"}
    assert all({"timestamp", "level", "logger"} <= set(line) for line in mine)


def test_console_lines_stay_readable():
    record = logging.LogRecord("reelhouse.test", logging.INFO, __file__, 1, "scan: %s received", ("x",), None)
    text = formatter(json=False).format(record)
    assert "scan: x received" in text and "info" in text and not text.startswith("{")
