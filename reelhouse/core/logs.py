"""Structured logs (structlog over the standard logging module): every `logging` call of the project goes through
one formatter that adds the time, level, logger and whatever is bound in the current context — above all the
`correlation_id` that follows a delivery from the scan that found it through identify and transcode to publish,
across processes (it is derived from the delivery, so every worker binds the same one).

Readable console lines by default (`make run`); one JSON object per line with REELHOUSE_LOG_FORMAT=json.
"""

import contextlib

import structlog


def formatter(*, json: bool = False) -> structlog.stdlib.ProcessorFormatter:
    """The logging.Formatter LOGGING uses (dictConfig factory)."""
    renderer = (structlog.processors.JSONRenderer(sort_keys=True) if json
                else structlog.dev.ConsoleRenderer(colors=False, pad_event_to=0))
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info if json else (lambda _l, _m, event: event),
                    renderer],
    )


def delivery_correlation(delivery_id: int) -> contextlib.AbstractContextManager:
    """Bind the delivery's correlation id (and id) to every log line written inside the block, in this thread."""
    return structlog.contextvars.bound_contextvars(correlation_id=f"delivery-{delivery_id}", delivery_id=delivery_id)
