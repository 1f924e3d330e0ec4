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


def test_turning_off_needs_a_code_not_the_password(client, subscriber):
    """Was: the password alone turned it off (issue 12), so a stolen password could swap in the thief's app."""
    _totp, codes = enable_2fa(subscriber)
    client.force_login(subscriber)
    page = client.post("/accounts/security/", {"action": "disable", "password": PASSWORD})
    assert page.status_code == 400 and b"Enter a current code" in page.content
    subscriber.refresh_from_db()
    assert subscriber.totp_enabled_at is not None
    with pytest.raises(twofactor.TwoFactorError, match="current code"):
        twofactor.totp_disable(user=subscriber, code="000000")
    twofactor.totp_disable(user=subscriber, code=codes[0])  # a recovery code does
    subscriber.refresh_from_db()
    assert subscriber.totp_enabled_at is None and not subscriber.recovery_codes.exists()


def test_totp_secret_is_encrypted_at_rest(subscriber):
    from django.db import connection

    secret, _svg = twofactor.totp_begin(user=subscriber)
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM accounts_user WHERE id = %s", [subscriber.pk])
        [stored] = cursor.fetchone()
    assert secret not in stored and stored.startswith("enc:v1:")
    subscriber.refresh_from_db()
    assert twofactor.totp_secret(subscriber) == secret


def test_five_wrong_passwords_lock_the_address_out(client, subscriber):
    for _ in range(5):
        assert sign_in(client, subscriber.email, "wrong password!").status_code == 200
    response = sign_in(client, subscriber.email)  # even the right password waits now
    assert response.status_code == 429 and b"Too many failed attempts" in response.content
    clock.advance(dt.timedelta(minutes=16))
    assert sign_in(client, subscriber.email).status_code == 302


def test_spreading_guesses_over_many_accounts_from_one_address_is_slowed(client, settings):
    """Was: only each account counted its failures, so one guess per account went on without end (issue 12)."""
    settings.REELHOUSE_SIGNIN_ATTEMPTS_PER_CLIENT = 6
    users = [user_create(email=f"target{i}@example.com", password=PASSWORD) for i in range(9)]
    refused = [sign_in(client, u.email, "123456password").status_code == 429 for u in users[:-1]]
    assert refused.count(False) == settings.REELHOUSE_SIGNIN_ATTEMPTS_PER_CLIENT and refused[-1]
    # From this address even a right password waits; from another it does not.
    assert sign_in(client, users[-1].email).status_code == 429
    assert sign_in(client.__class__(REMOTE_ADDR="198.51.100.7"), users[-1].email).status_code == 302


def test_the_client_address_behind_trusted_proxies(rf, settings):
    from reelhouse.core.throttle import client_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_address(request) == "10.0.0.2"  # no proxy trusted: a client's own header counts for nothing
    settings.REELHOUSE_TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.9"  # what our proxy appended, not what the client wrote
    assert client_address(rf.get("/", REMOTE_ADDR="2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::/64"


def test_operators_enrol_through_a_one_time_link_then_use_two_steps(client, settings, smtp_server):
    """Was: an operator enrolled from a password-only session (issue 12). Now the password alone gives an operator no
    session at all; `reelhouse staff_enrol` gives a one-time link (password, then the app), and only then the
    back office opens."""
    import io

    from django.core.management import call_command

    settings.REELHOUSE_STAFF_REQUIRE_2FA = True
    operator = user_create(email="op@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    page = sign_in(client, operator.email, next_url="/admin/")
    assert page.status_code == 403 and b"no two-step sign-in yet" in page.content
    assert client.get("/admin/").status_code == 302  # not signed in

    out = io.StringIO()
    call_command("staff_enrol", operator.email, "--mail", "--base-url", "http://testserver/", stdout=out)
    link = out.getvalue().strip().splitlines()[-1]
    [(to, raw)] = smtp_server.messages
    assert to == [operator.email] and link.encode() in raw.replace(b"=\r\n", b"").replace(b"=\n", b"")
    path = link.split("testserver", 1)[1]
    assert client.get(path).status_code == 200  # opening it (a mail scanner) spends nothing
    assert client.post(path, {"password": "wrong password!"}).status_code == 400
    page = client.post(path, {"password": PASSWORD})
    assert b"<svg" in page.content
    assert client.post(path, {"password": PASSWORD}).status_code == 400  # the link works once
    operator.refresh_from_db()
    page = client.post("/accounts/enrol/confirm/", {"code": pyotp.TOTP(twofactor.totp_secret(operator)).now()})
    assert page.content.count(b"<li><code>") == 10
    assert client.get("/admin/").status_code == 200

    # A later password-only session is sent through the second step.
    other = client.__class__()
    other.force_login(operator)
    response = other.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
