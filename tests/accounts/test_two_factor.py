"""Two-step sign-in with a real TOTP app's codes (pyotp), recovery codes, lockout, and 2FA for operators."""

import datetime as dt

import pyotp
import pytest
from django.core.cache import cache

from reelhouse.accounts import twofactor
from reelhouse.accounts.services import user_create
from reelhouse.core import clock

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def enable_2fa(user) -> tuple[pyotp.TOTP, list[str]]:
    secret, svg = twofactor.totp_begin(user=user)
    assert svg.startswith("<svg")
    totp = pyotp.TOTP(secret)
    codes = twofactor.totp_confirm(user=user, code=totp.at(clock.now()))
    clock.advance(dt.timedelta(seconds=31))  # the confirming code is spent; the next one is new
    return totp, codes


def sign_in(client, email, password=PASSWORD, next_url="/"):
    return client.post(f"/accounts/login/?next={next_url}", {"username": email, "password": password})


def test_password_then_code(client, subscriber):
    totp, _codes = enable_2fa(subscriber)
    response = sign_in(client, subscriber.email)
    assert response.status_code == 302 and response.url == "/accounts/login/code/"
    assert client.get("/").status_code == 302  # not signed in yet
    assert client.post("/accounts/login/code/", {"code": "000000"}).status_code == 400
    response = client.post("/accounts/login/code/", {"code": totp.at(clock.now())})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").wsgi_request.user == subscriber


def test_a_code_works_once(subscriber):
    totp, _codes = enable_2fa(subscriber)
    code = totp.at(clock.now())
    assert twofactor.second_factor_check(user=subscriber, code=code)
    assert not twofactor.second_factor_check(user=subscriber, code=code)


def test_recovery_codes_work_once_each(client, subscriber):
    _totp, codes = enable_2fa(subscriber)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert twofactor.second_factor_check(user=subscriber, code=codes[3].upper())
    assert not twofactor.second_factor_check(user=subscriber, code=codes[3])
    assert subscriber.recovery_codes.filter(used_at__isnull=True).count() == 9


def test_wrong_setup_code_keeps_it_off(subscriber):
    twofactor.totp_begin(user=subscriber)
    with pytest.raises(twofactor.TwoFactorError, match="not right"):
        twofactor.totp_confirm(user=subscriber, code="123456")
    subscriber.refresh_from_db()
    assert subscriber.totp_enabled_at is None


def test_turning_off_needs_the_password(subscriber):
    enable_2fa(subscriber)
    with pytest.raises(twofactor.TwoFactorError, match="password"):
        twofactor.totp_disable(user=subscriber, password="guess")
    twofactor.totp_disable(user=subscriber, password=PASSWORD)
    subscriber.refresh_from_db()
    assert subscriber.totp_enabled_at is None and not subscriber.recovery_codes.exists()


def test_five_wrong_passwords_lock_the_address_out(client, subscriber):
    for _ in range(5):
        assert sign_in(client, subscriber.email, "wrong password!").status_code == 200
    response = sign_in(client, subscriber.email)  # even the right password waits now
    assert response.status_code == 429 and b"Too many failed attempts" in response.content
    cache.clear()  # 15 minutes later
    assert sign_in(client, subscriber.email).status_code == 302


def test_operators_must_use_two_steps_for_the_back_office(client, settings):
    settings.REELHOUSE_STAFF_REQUIRE_2FA = True
    operator = user_create(email="op@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    sign_in(client, operator.email, next_url="/admin/")
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/security/")
    page = client.post("/accounts/security/", {"action": "begin"})
    assert b"<svg" in page.content and b"Operator accounts must use two-step sign-in" in page.content
    operator.refresh_from_db()
    page = client.post("/accounts/security/", {"action": "confirm",
                                               "code": pyotp.TOTP(operator.totp_secret).now()})
    assert page.content.count(b"<li><code>") == 10
    assert client.get("/admin/").status_code == 200

    # A later password-only session (e.g. through /admin/login/) is sent through the second step.
    other = client.__class__()
    other.force_login(operator)
    response = other.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
