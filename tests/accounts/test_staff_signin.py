"""Attacks on operators' sign-in (issue 12), each tried against the real views and middleware: the admin's own login
page, paths outside a prefix list, a SCRIPT_NAME prefix, a password-only session, and guessing the second step."""

import datetime as dt

import pyotp
import pytest

from reelhouse.accounts import twofactor
from reelhouse.accounts.services import user_create
from reelhouse.core import clock

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
# Pages an operator's password alone must not open: the admin, the back office, billing reports, a subscriber page.
PAGES = ["/admin/", "/admin/accounts/user/", "/ops/dashboard/", "/ops/dashboard/revenue.csv", "/account/",
         "/accounts/security/", "/accounts/privacy/export/"]


@pytest.fixture
def operator(settings):
    settings.REELHOUSE_STAFF_REQUIRE_2FA = True
    user = user_create(email="op@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    secret, _svg = twofactor.totp_begin(user=user)
    twofactor.totp_confirm(user=user, code=pyotp.TOTP(secret).at(clock.now()))
    clock.advance(dt.timedelta(seconds=31))
    user.refresh_from_db()
    return user


def totp(user) -> pyotp.TOTP:
    return pyotp.TOTP(twofactor.totp_secret(user))


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_the_admin_login_page_does_not_sign_an_operator_in_with_the_password(client, operator):
    response = client.post("/admin/login/?next=/admin/", {"username": operator.email, "password": PASSWORD,
                                                           "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/accounts/login/?next=%2Fadmin%2F"
    assert signed_in_user_id(client) is None
    for page in PAGES:
        assert client.get(page).status_code == 302, page


def test_a_password_only_operator_session_opens_no_page(client, operator):
    """A session that passed only the password (from before 2FA was required, or from any other login path) is
    signed out on every path, not only under /admin/ and /ops/."""
    for page in PAGES:
        client.force_login(operator)
        response = client.get(page)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), page
        assert signed_in_user_id(client) is None


def test_a_script_name_prefix_does_not_skip_the_second_step(client, operator):
    client.force_login(operator)
    response = client.get("/admin/", SCRIPT_NAME="/reelhouse")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert signed_in_user_id(client) is None


def test_both_steps_open_every_page_and_the_session_ends_after_the_staff_limit(client, operator, settings):
    client.post("/accounts/login/", {"username": operator.email, "password": PASSWORD})
    response = client.post("/accounts/login/code/", {"code": totp(operator).at(clock.now())})
    assert response.status_code == 302
    assert client.get("/ops/dashboard/revenue.csv").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.session.get_expiry_age() <= settings.REELHOUSE_STAFF_SESSION_SECONDS
    clock.advance(dt.timedelta(seconds=settings.REELHOUSE_STAFF_SESSION_SECONDS + 1))
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_password_alone_cannot_turn_two_steps_off_or_enrol_another_app(client, operator, settings):
    settings.REELHOUSE_STAFF_REQUIRE_2FA = False  # even where operators are not forced, as for any subscriber
    client.force_login(operator)
    for action in ("disable", "reset"):
        page = client.post("/accounts/security/", {"action": action, "password": PASSWORD})
        assert page.status_code == 400, action
    page = client.post("/accounts/security/", {"action": "begin"})
    assert page.status_code == 400 and b"already on" in page.content
    operator.refresh_from_db()
    assert operator.totp_enabled_at is not None and totp(operator).verify(totp(operator).now())


def test_moving_to_a_new_app_needs_a_current_code(client, operator):
    client.post("/accounts/login/", {"username": operator.email, "password": PASSWORD})
    client.post("/accounts/login/code/", {"code": totp(operator).at(clock.now())})
    clock.advance(dt.timedelta(seconds=31))
    assert client.post("/accounts/security/", {"action": "disable",
                                               "code": totp(operator).at(clock.now())}).status_code == 400
    page = client.post("/accounts/security/", {"action": "reset", "code": totp(operator).at(clock.now())})
    assert page.status_code == 200 and b"<svg" in page.content
    operator.refresh_from_db()
    page = client.post("/accounts/security/", {"action": "confirm", "code": totp(operator).at(clock.now())})
    assert page.content.count(b"<li><code>") == 10


def test_reentering_the_password_does_not_reset_the_second_step_counter(client, operator, settings):
    """Was: a right password cleared the failure count the codes shared with it, so password, four wrong codes,
    password again... guessed without end."""
    checked = 0
    for _round in range(5):
        client.post("/accounts/login/", {"username": operator.email, "password": PASSWORD})
        for _ in range(3):
            response = client.post("/accounts/login/code/", {"code": "000000"})
            checked += response.status_code == 400  # a code that was really tried (not refused unread)
    assert checked <= settings.REELHOUSE_SECOND_STEP_ATTEMPTS
    # Now locked: even the right code, after the right password, waits.
    client.post("/accounts/login/", {"username": operator.email, "password": PASSWORD})
    response = client.post("/accounts/login/code/", {"code": totp(operator).at(clock.now())})
    assert response.status_code == 429 and signed_in_user_id(client) is None
    assert b"Too many wrong codes" in response.content


def test_the_pending_sign_in_is_dropped_and_the_wait_grows(client, operator, settings):
    limit = settings.REELHOUSE_SECOND_STEP_ATTEMPTS
    client.post("/accounts/login/", {"username": operator.email, "password": PASSWORD})
    for _ in range(limit - 1):
        assert client.post("/accounts/login/code/", {"code": "000000"}).status_code == 400
    assert client.post("/accounts/login/code/", {"code": "000000"}).status_code == 429  # the last try
    assert client.get("/accounts/login/code/").url == "/accounts/login/"  # the password again, first
    waits = []
    for _block in range(2):
        client.post("/accounts/login/", {"username": operator.email, "password": PASSWORD})
        for _ in range(limit + 1):
            response = client.post("/accounts/login/code/", {"code": "000000"})
            if response.status_code == 429 and b"Sign in again in" in response.content:
                waits.append(int(response.content.split(b"Sign in again in ")[1].split(b" ")[0]))
                break
            if response.status_code == 429:  # the last try dropped the pending sign-in: the password again
                client.post("/accounts/login/", {"username": operator.email, "password": PASSWORD})
        clock.advance(dt.timedelta(minutes=waits[-1] + 1))
    assert waits[1] > waits[0] >= 15
