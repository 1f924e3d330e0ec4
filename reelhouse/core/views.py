"""Cross-cutting endpoints: liveness (/healthz), readiness (/readyz), Prometheus metrics (/metrics) and
Content Security Policy reports (/csp-report/)."""

import json
import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from reelhouse.core import metrics, scheduler
from reelhouse.core.storage import media_storage, storage_describe, storage_is_local

log = logging.getLogger("reelhouse.csp")


def healthz(request):
    """200 once the server answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return f"database unreachable: {exc}"
    return None


def _check_storage() -> str | None:
    if not storage_is_local():  # the bucket answers (one HEAD request; Django's exists())
        try:
            media_storage().exists("readyz-probe")
        except Exception as exc:  # botocore's errors (endpoint down, bad keys, no bucket) share no base but this
            return f"media storage {storage_describe()} unreachable: {exc}"
        return None
    root = Path(settings.MEDIA_ROOT)
    try:
        with tempfile.NamedTemporaryFile(dir=root, prefix=".readyz-"):
            pass
    except OSError as exc:
        return f"media root {root} is not writable: {exc.strerror or exc}"
    return None


def _check_scheduler() -> str | None:
    limit = settings.REELHOUSE_SCHEDULER_STALE_S
    try:
        age = scheduler.heartbeat_age()
    except DatabaseError as exc:
        return f"scheduler heartbeat unreadable: {exc}"
    if age is None:
        return "the scheduler never ran (start `reelhouse scheduler`)"
    if age > limit:
        return f"the scheduler's last heartbeat is {age:.0f} s old (more than {limit:.0f} s): is it running?"
    return None


def readiness_checks() -> dict[str, str | None]:
    """/readyz's checks by name: None when it passes, else why it failed (the status page reads them too)."""
    return {"database": _check_database(), "storage": _check_storage(), "scheduler": _check_scheduler()}


@never_cache
def readyz(request):
    """200 when this instance can serve: the database answers, the media root is writable and the scheduler beat
    recently; else 503 naming each failed check."""
    checks = readiness_checks()
    failed = {name: why for name, why in checks.items() if why}
    body = {"status": "fail" if failed else "ok",
            "checks": {name: ({"ok": False, "error": why} if why else {"ok": True}) for name, why in checks.items()}}
    return JsonResponse(body, status=503 if failed else 200)


@never_cache
def metrics_view(request):
    """Prometheus exposition; only for the operator's networks or the metrics token (else a plain 404, so the
    endpoint does not announce itself)."""
    if not metrics.metrics_allowed(request):
        return HttpResponseNotFound()
    return HttpResponse(metrics.metrics_text(), content_type=metrics.CONTENT_TYPE)


CSP_REPORT_MAX_BYTES = 16 * 1024
CSP_FIELDS = ("document-uri", "violated-directive", "effective-directive", "blocked-uri", "source-file",
              "line-number", "script-sample")


def _clean(value) -> str:
    """One short printable line: a report is written by the browser from page content, so nothing in it may forge
    or flood log lines."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(value))
    return text[:200]


@csrf_exempt
@require_POST
def csp_report(request):
    """Where browsers report Content Security Policy violations (report-uri): each is logged as a warning with
    what was blocked on which page. Browsers post without a CSRF token; bodies are capped and never stored."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return HttpResponse("not a JSON violation report", status=400, content_type="text/plain")
    # report-uri sends {"csp-report": {...}}; the Reporting API sends [{"type": "csp-violation", "body": {...}}].
    reports = ([body.get("csp-report")] if isinstance(body, dict) else
               [item.get("body") for item in body if isinstance(item, dict)] if isinstance(body, list) else [])
    reports = [r for r in reports if isinstance(r, dict)]
    if not reports:
        return HttpResponse("not a JSON violation report", status=400, content_type="text/plain")
    for report in reports[:10]:
        log.warning("CSP violation: %s", " ".join(
            f"{key}={_clean(report[key])}" for key in CSP_FIELDS if report.get(key) not in (None, "")))
    return HttpResponse(status=204)
