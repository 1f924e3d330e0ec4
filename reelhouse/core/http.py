"""Small HTTP helpers shared by apps."""

import csv
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme


def csv_response(rows: list[dict], *, filename: str) -> HttpResponse:
    """Rows of dicts as a CSV download (header from the first row's keys; empty body for no rows)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if rows:
        writer = csv.DictWriter(response, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return response


def file_under(base: Path | str, rel: str, *, missing: str) -> Path:
    """The regular file `rel` names inside `base`, symlinks and '..' resolved first: Http404 (saying `missing`) when it
    resolves outside `base` or is not a regular file. The one path guard for files served from disk (artwork, stream
    segments)."""
    root = Path(base).resolve()
    target = (root / rel).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise Http404(missing)
    return target


def file_response(path: Path, *, content_type: str, cache_control: str) -> FileResponse:
    """A file checked by file_under, streamed with its type and caching."""
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = cache_control
    return response


def safe_next(request, target: str | None = None, *, default: str = "/") -> str:
    """Where to send the browser after this request: `target` (by default the request's `next`) when it stays on this
    site, else `default`. The one check every redirect to a request-supplied address goes through: Django's
    url_has_allowed_host_and_scheme, HTTPS only when the request came over HTTPS (refuses `//evil.example`,
    `/\\evil.example`, `https://evil.example`, `javascript:`...)."""
    if target is None:
        target = request.POST.get("next") or request.GET.get("next") or ""
    target = (target or "").strip()
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def site_url(request=None) -> str:
    """Scheme and host that links in mail start with (no trailing slash): REELHOUSE_SITE_URL when it is set; else
    the request's own (https behind a TLS proxy when REELHOUSE_HTTPS=1 trusts its X-Forwarded-Proto); else, for
    mail sent outside a request, the embedded default's address (settings.SITE_URL)."""
    if request is not None and not getattr(settings, "SITE_URL_SET", False):
        return request.build_absolute_uri("/").rstrip("/")
    return settings.SITE_URL.rstrip("/")
