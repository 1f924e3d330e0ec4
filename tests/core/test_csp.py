"""The Content Security Policy: sent on every page (the admin's too), strict enough that injected markup cannot run
script or style, and nothing in the templates needs an exception. The browser side is tests/e2e/test_csp.py."""

import json
import logging
import re
from pathlib import Path

import pytest

REELHOUSE = Path(__file__).resolve().parents[2] / "reelhouse"
REQUIRED = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
            "frame-ancestors 'none'", "base-uri 'none'", "report-uri /csp-report/",
            "form-action 'self' https://checkout.stripe.com https://billing.stripe.com"]


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def assert_strict(response):
    policy = directives(response)
    for directive in REQUIRED:
        assert directive in policy.values(), (directive, policy)
    header = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header and "*" not in header
    assert policy["media-src"] == "media-src 'self' blob:" and policy["worker-src"] == "worker-src 'self' blob:"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/welcome/", "/help/", "/accounts/login/", "/accounts/signup/",
                                  "/accounts/password/reset/", "/admin/login/", "/healthz", "/no-such-page/"])
def test_every_page_for_a_visitor_sends_the_strict_policy(client, path):
    assert_strict(client.get(path))


@pytest.mark.django_db
def test_pages_of_a_signed_in_subscriber_and_an_operator_send_the_strict_policy(client, subscriber,
                                                                               django_user_model):
    client.force_login(subscriber)
    for path in ["/", "/search/?q=a", "/account/", "/accounts/security/"]:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert_strict(response)
    operator = django_user_model.objects.create_superuser(email="op@example.com", password="a long password 1")
    client.force_login(operator)
    for path in ["/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{subscriber.pk}/change/",
                 "/admin/accounts/user/add/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


TEMPLATE_INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_or_tag_needs_inline_script_or_style():
    """The policy allows no inline script or style, so none may be written; mail templates are not pages (mail
    clients need <style>) and are left out."""
    found = []
    sources = [p for p in REELHOUSE.glob("**/templates/**/*.html") if "/email/" not in str(p)]
    sources += list(REELHOUSE.glob("**/templatetags/*.py"))
    assert len(sources) > 30
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for pattern, what in TEMPLATE_INLINE:
            found += [f"{path.relative_to(REELHOUSE)}: {what}: {m.group(0)!r}" for m in pattern.finditer(text)]
    assert found == []


def test_a_violation_report_is_logged_on_one_clean_line(client, caplog):
    caplog.set_level(logging.WARNING, logger="reelhouse.csp")
    report = {"csp-report": {"document-uri": "https://tv.example.com/series/x/", "violated-directive": "script-src",
                             "blocked-uri": "inline", "source-file": "https://tv.example.com/series/x/",
                             "line-number": 12, "script-sample": "alert(1)\n2026-01-01 ERROR forged line"}}
    response = client.post("/csp-report/", json.dumps(report), content_type="application/csp-report")
    assert response.status_code == 204
    (record,) = [r for r in caplog.records if r.name == "reelhouse.csp"]
    message = record.getMessage()
    assert "violated-directive=script-src" in message and "document-uri=https://tv.example.com/series/x/" in message
    assert "\n" not in message and "alert(1)?2026-01-01 ERROR forged line" in message


def test_reporting_api_reports_are_logged_too(client, caplog):
    caplog.set_level(logging.WARNING, logger="reelhouse.csp")
    body = [{"type": "csp-violation", "body": {"document-uri": "https://tv.example.com/", "effective-directive":
                                                  "style-src-attr", "blocked-uri": "inline"}}]
    assert client.post("/csp-report/", json.dumps(body), content_type="application/reports+json").status_code == 204
    assert "effective-directive=style-src-attr" in caplog.records[-1].getMessage()


@pytest.mark.parametrize(("body", "status"), [(b"not json", 400), (b"{}", 400), (b"[1, 2]", 400), (b"5", 400),
                                              (b'{"csp-report": "x"}', 400), (b"x" * 20_000, 413)])
def test_junk_sent_to_the_report_endpoint_is_refused_without_a_log_line(client, caplog, body, status):
    caplog.set_level(logging.WARNING, logger="reelhouse.csp")
    assert client.post("/csp-report/", body, content_type="application/csp-report").status_code == status
    assert client.get("/csp-report/").status_code == 405
    assert [r for r in caplog.records if r.name == "reelhouse.csp"] == []
