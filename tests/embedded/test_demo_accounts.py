"""Demo accounts exist only in the demo, are made once, and a later start never resets them (issue 12)."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reelhouse.accounts.models import User
from reelhouse.billing.selectors import subscription_current
from reelhouse.core import clock
from reelhouse.embedded import setup

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_dirs(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.REELHOUSE_DEMO_DIR = tmp_path / "var" / "demo"
    settings.REELHOUSE_DEMO_PASSWORD = ""
    return tmp_path


def test_made_once_with_a_generated_password_then_never_reset_nor_regranted(demo_dirs):
    first = setup.demo_accounts_ensure()
    assert first.created and first.generated_password and len(first.password) >= 16
    assert (demo_dirs / "var" / "demo_password").read_text() == first.password
    assert oct((demo_dirs / "var" / "demo_password").stat().st_mode & 0o777) == "0o600"
    operator, viewer = User.objects.get(email=setup.OPERATOR_EMAIL), User.objects.get(email=setup.VIEWER_EMAIL)
    assert operator.is_superuser and operator.check_password(first.password)
    assert subscription_current(user=viewer) is not None

    operator.set_password("the operator's own choice")  # as the operator would, after the first sign-in
    operator.save()
    clock.advance(dt.timedelta(days=400))  # the viewer's demo year lapses
    again = setup.demo_accounts_ensure()
    assert not again.created and again.password == ""
    operator.refresh_from_db()
    assert operator.check_password("the operator's own choice")
    assert subscription_current(user=viewer) is None

    viewer.delete()  # deleted by the operator: a later start does not bring it back
    assert not setup.demo_accounts_ensure().created and not User.objects.filter(email=setup.VIEWER_EMAIL).exists()


@pytest.mark.parametrize("password, reason", [("short", "too short"), ("password123", "too common")])
def test_a_demo_password_the_validators_refuse_is_refused(demo_dirs, settings, password, reason):
    settings.REELHOUSE_DEMO_PASSWORD = password
    with pytest.raises(setup.DemoPasswordRefused, match=reason):
        setup.demo_accounts_ensure()
    assert not User.objects.exists()


def test_reelhouse_run_refuses_a_weak_demo_password_before_starting_anything(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REELHOUSE_TESTING")} | {
        "REELHOUSE_VAR_DIR": str(tmp_path / "var"), "REELHOUSE_DEMO_PASSWORD": "password123", "PORT": "1"}
    result = subprocess.run([sys.executable, "-m", "reelhouse.manage", "run"], cwd=ROOT, env=env, text=True,
                            capture_output=True, timeout=120)
    assert result.returncode != 0
    assert "REELHOUSE_DEMO_PASSWORD is refused" in result.stderr and "too common" in result.stderr
