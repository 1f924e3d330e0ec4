"""The TV-mode cookie is read by the page template as a flag only: "1" turns TV mode on, anything else (hostile
markup included) is ignored and never written into the page."""

import pytest

HOSTILE = '1" onload="alert(1)'


@pytest.mark.parametrize(("cookie", "query", "tv"), [
    ("1", "", True), ("1", "?tv=0", False), ("", "?tv=1", True), ("0", "", False),
    (HOSTILE, "", False), ("<script>alert(1)</script>", "", False), ("1 ", "", False),
])
def test_only_the_flag_turns_tv_mode_on(client, cookie, query, tv):
    if cookie:
        client.cookies["reelhouse_tv"] = cookie
    html = client.get(f"/help/{query}").content.decode()
    assert ('<html lang="en" class="tv">' in html) == tv
    assert "alert(1)" not in html
