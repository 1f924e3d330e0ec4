"""The API's docs page (/api/v1/docs, django-ninja's Swagger UI from the site's own static files) renders the
OpenAPI document in a real browser under the site's Content Security Policy, without a violation."""

import pytest

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_api_docs_page_renders_under_the_csp(page, live_server):
    page.goto(f"{live_server.url}/api/v1/docs")
    title = page.locator(".swagger-ui .info .title")
    title.wait_for(timeout=20_000)
    assert "Reelhouse API" in title.inner_text()
    page.locator(".opblock-summary-path", has_text="/api/v1/playback/start").first.wait_for()
    page.get_by_text("/api/v1/playback/start", exact=True).first.click()
    assert page.locator(".opblock-body").first.is_visible()
    screenshot(page, "api-docs")
