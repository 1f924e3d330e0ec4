"""Production settings: `check --deploy` is clean with the production variables, REELHOUSE_HTTPS locks the site to
https, mail links follow https behind the TLS proxy, and the database, mail and secrets are the owner's only. The
settings are read at start-up from the environment, so each case starts a real process with that environment."""

import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail

REPO = Path(__file__).resolve().parents[2]
REELHOUSE = str(Path(sys.executable).with_name("reelhouse"))


def production_env(var_dir: Path, **extra: str) -> dict:
    """The environment of a production start: a long random secret, DEBUG off, https, a named host; nothing of
    the test runner's (no REELHOUSE_TESTING, no test database)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELHOUSE_") and k != "DATABASE_URL"}
    env.update(REELHOUSE_VAR_DIR=str(var_dir), REELHOUSE_SECRET_KEY=secrets.token_urlsafe(64), REELHOUSE_DEBUG="0",
               REELHOUSE_HTTPS="1", REELHOUSE_ALLOWED_HOSTS="tv.example.com",
               REELHOUSE_SITE_URL="https://tv.example.com", REELHOUSE_CSRF_TRUSTED_ORIGINS="https://tv.example.com")
    env.update(extra)
    return env


def run_python(code: str, env: dict) -> dict:
    """Run `code` in a fresh interpreter with Django set up under `env`; it prints one JSON line."""
    prelude = ("import json, os, django\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'reelhouse.settings')\n"
               "django.setup()\n")
    done = subprocess.run([sys.executable, "-c", prelude + code], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=120, preexec_fn=lambda: os.umask(0o022))  # the usual umask
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.engine_independent  # a process of its own on its own SQLite
def test_check_deploy_is_clean_with_the_production_variables(tmp_path):
    done = subprocess.run([REELHOUSE, "check", "--deploy", "--fail-level", "WARNING"],
                          env=production_env(tmp_path / "var"), cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.engine_independent  # a process of its own on its own SQLite
def test_check_deploy_fails_without_https_and_names_what_is_missing(tmp_path):
    env = production_env(tmp_path / "var")
    del env["REELHOUSE_HTTPS"], env["REELHOUSE_SITE_URL"]
    done = subprocess.run([REELHOUSE, "check", "--deploy", "--fail-level", "WARNING"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016", "reelhouse.W001"):
        assert check in done.stderr, check


@pytest.mark.engine_independent  # a process of its own on its own SQLite
def test_https_redirects_plain_http_sends_hsts_and_secure_cookies_and_refuses_testserver(tmp_path):
    seen = run_python("""
from django.conf import settings
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
call_command("createcachetable", verbosity=0)
c = Client(HTTP_HOST="tv.example.com")
plain = c.get("/accounts/login/")
proxied = c.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
cookies = {name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"])} for name, m in proxied.cookies.items()}
forged = Client().get("/healthz", headers={"x-forwarded-proto": "https"})  # Host: testserver
print(json.dumps({"plain": [plain.status_code, plain.get("Location")], "proxied": proxied.status_code,
                  "hsts": proxied.get("Strict-Transport-Security"), "cookies": cookies,
                  "csp": proxied.get("Content-Security-Policy"), "forged": forged.status_code,
                  "trusted": settings.CSRF_TRUSTED_ORIGINS, "hosts": settings.ALLOWED_HOSTS}))
""", production_env(tmp_path / "var"))
    assert seen["plain"] == [301, "https://tv.example.com/accounts/login/"]
    assert seen["proxied"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["cookies"]["csrftoken"]["secure"] is True
    assert "default-src 'self'" in seen["csp"]
    assert seen["forged"] == 400 and "testserver" not in seen["hosts"]  # DisallowedHost
    assert seen["trusted"] == ["https://tv.example.com"]


@pytest.mark.engine_independent  # a process of its own on its own SQLite
def test_hsts_subdomains_can_be_left_out(tmp_path):
    seen = run_python("""
from django.conf import settings
print(json.dumps([settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.DEBUG]))
""", production_env(tmp_path / "var", REELHOUSE_HSTS_INCLUDE_SUBDOMAINS="0", REELHOUSE_HSTS_SECONDS="600"))
    assert seen == [600, False, False]


@pytest.mark.engine_independent  # a process of its own on its own SQLite
def test_passwords_are_hashed_with_the_bounded_argon2_hasher(tmp_path):
    """Tests hash with a fast hasher (settings.py, under TESTING); a production start hashes with Argon2, queued."""
    seen = run_python("""
from django.conf import settings
from django.contrib.auth.hashers import get_hasher, make_password
print(json.dumps([settings.PASSWORD_HASHERS, type(get_hasher()).__name__, make_password("correct horse battery")]))
""", production_env(tmp_path / "var"))
    hashers, default, encoded = seen
    assert hashers[0] == "reelhouse.accounts.hashers.BoundedArgon2PasswordHasher"
    assert not any("MD5" in hasher for hasher in hashers), hashers
    assert default == "BoundedArgon2PasswordHasher" and encoded.startswith("argon2$argon2id$"), encoded


@pytest.mark.engine_independent  # a process of its own on its own SQLite
def test_var_database_mail_and_secrets_are_created_for_the_owner_only(tmp_path):
    var = tmp_path / "var"
    env = production_env(var, REELHOUSE_SECRET_KEY="", REELHOUSE_DEMO_PASSWORD="")
    seen = run_python("""
import os, stat
from pathlib import Path
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from reelhouse.embedded.setup import demo_password
with connection.cursor() as cursor:  # the WAL and shared-memory files exist while a connection is open
    cursor.execute("CREATE TABLE t (x)")
    cursor.execute("INSERT INTO t VALUES (1)")
    demo_password()
    send_mail("Reset", "https://tv.example.com/reset/abc", None, ["a@example.com"])
    var = Path(settings.VAR_DIR)
    paths = [var, var / "mail", var / "secret_key", var / "demo_password", var / "reelhouse.sqlite3",
             var / "reelhouse.sqlite3-wal", var / "reelhouse.sqlite3-shm", *(var / "mail").iterdir()]
    print(json.dumps({str(p.relative_to(var.parent)): oct(stat.S_IMODE(p.stat().st_mode)) for p in paths}))
""", env)
    assert seen.pop("var") == "0o700" and seen.pop("var/mail") == "0o700"
    assert len(seen) == 6 and set(seen.values()) == {"0o600"}, seen


@pytest.mark.engine_independent  # a process of its own on its own SQLite
def test_a_secret_left_readable_is_tightened_and_a_umask_of_000_changes_nothing(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    (var / "secret_key").write_text(secrets.token_urlsafe(50))
    (var / "secret_key").chmod(0o644)
    env = production_env(var, REELHOUSE_SECRET_KEY="")
    done = subprocess.run(["sh", "-c", f'umask 000 && exec "{REELHOUSE}" migrate --verbosity 0'], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600
    assert stat.S_IMODE((var / "reelhouse.sqlite3").stat().st_mode) == 0o600


@pytest.mark.django_db
def test_mailed_links_use_https_behind_the_tls_proxy(client, settings, subscriber):
    """The proxy terminates TLS, passes the Host header on and says X-Forwarded-Proto: https."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS, settings.SITE_URL_SET = ["tv.example.com"], False
    response = client.post("/accounts/password/reset/", {"email": subscriber.email},
                           headers={"host": "tv.example.com", "x-forwarded-proto": "https"})
    assert response.status_code == 302
    assert "\nhttps://tv.example.com/accounts/password/reset/" in mail.outbox[-1].body
    client.force_login(subscriber)
    client.post("/accounts/verify-again/", headers={"host": "tv.example.com", "x-forwarded-proto": "https"})
    assert "\nhttps://tv.example.com/accounts/verify/" in mail.outbox[-1].body


@pytest.mark.django_db
def test_mailed_links_start_with_the_site_url_whatever_the_host_header(client, settings, subscriber):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example.com"]  # a Host header an attacker chose, yet allowed
    settings.SITE_URL_SET, settings.SITE_URL = True, "https://tv.example.com"
    client.post("/accounts/password/reset/", {"email": subscriber.email}, HTTP_HOST="evil.example.com")
    body = mail.outbox[-1].body
    assert "https://tv.example.com/accounts/password/reset/" in body and "evil.example.com" not in body


DB_MODE = """
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({"conn_max_age": db["CONN_MAX_AGE"], "cursors_off": db["DISABLE_SERVER_SIDE_CURSORS"],
                  "options": db["OPTIONS"]}))
"""


@pytest.mark.parametrize("extra, expected", [
    ({}, {"conn_max_age": 60, "cursors_off": False, "options": {
        "options": "-c jit=off", "server_side_binding": True, "prepare_threshold": 5}}),
    ({"REELHOUSE_PG_POOL": "on"}, {"conn_max_age": 0, "cursors_off": False, "options": {
        "pool": {"min_size": 2, "max_size": 8, "timeout": 10}, "options": "-c jit=off", "server_side_binding": True,
        "prepare_threshold": 5}}),
    ({"REELHOUSE_PG_POOL": "1:4", "REELHOUSE_PG_PGBOUNCER": "1"}, {"conn_max_age": 0, "cursors_off": True, "options": {
        "pool": {"min_size": 1, "max_size": 4, "timeout": 10}, "server_side_binding": True}}),
    ({"REELHOUSE_PG_PGBOUNCER": "1", "REELHOUSE_PG_PREPARE": "0"}, {"conn_max_age": 60, "cursors_off": True,
                                                                    "options": {}}),
])
def test_postgresql_connection_modes(tmp_path, extra, expected):
    """Persistent connections with prepared statements by default; Django's pool instead of persistence; behind
    pgbouncer nothing that outlives a transaction on a server connection (docs/operations.md)."""
    env = production_env(tmp_path / "var", DATABASE_URL="postgresql://reelhouse@db.example.com:5432/reelhouse",
                         **extra)
    assert run_python(DB_MODE, env) == expected


@pytest.mark.parametrize("value", ["8:2", "two", "0:0", "4"])
def test_a_malformed_pool_size_stops_the_start_and_says_what_is_expected(tmp_path, value):
    env = production_env(tmp_path / "var", DATABASE_URL="postgresql://reelhouse@db.example.com:5432/reelhouse",
                         REELHOUSE_PG_POOL=value)
    done = subprocess.run([REELHOUSE, "check"], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert f"REELHOUSE_PG_POOL='{value}': expected 'min:max' connections" in done.stderr


@pytest.mark.parametrize(("extra", "threads"), [
    ({}, 8),  # the app sends every segment itself: slow clients hold threads
    ({"REELHOUSE_EDGE_URL": "https://edge.example.com", "REELHOUSE_EDGE_KEYS": "k1:" + "s" * 43}, 3),
    ({"REELHOUSE_EDGE_URL": "https://edge.example.com", "REELHOUSE_EDGE_KEYS": "k1:" + "s" * 43,
      "REELHOUSE_WEB_THREADS": "5"}, 5),
])
def test_web_threads_follow_whether_an_edge_serves_the_segments(tmp_path, extra, threads):
    code = ("from django.conf import settings\n"
            "from reelhouse.embedded.management.commands.run import Command\n"
            "options = Command().create_parser('reelhouse', 'run').parse_args([])\n"
            "print(json.dumps({'settings': settings.REELHOUSE_WEB_THREADS, 'run': options.web_threads}))")
    assert run_python(code, production_env(tmp_path, **extra)) == {"settings": threads, "run": threads}
