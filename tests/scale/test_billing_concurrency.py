"""Billing races on PostgreSQL with real, separate processes: a gift code, stamps and a webhook each count once."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection

from reelhouse.accounts.services import user_create
from reelhouse.billing import services as billing
from reelhouse.billing.models import Payment
from reelhouse.billing.selectors import subscription_current
from reelhouse.core import clock
from reelhouse.rewards import services as rewards
from reelhouse.rewards.models import StampEntry
from reelhouse.rewards.selectors import stamps_balance
from tests.billing import stripe_payloads as sp

ROOT = Path(__file__).resolve().parents[2]
IS_PG = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not IS_PG, reason="row-lock races need PostgreSQL: set DATABASE_URL")]
SECRET = "whsec_race_0123456789abcdef"


def race(*argv_tails: list[str], env: dict[str, str] | None = None) -> list[dict]:
    """Start one process per argv tail; they all begin work at the same instant against the test database."""
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = os.environ | {"DATABASE_URL": url, "STRIPE_WEBHOOK_SECRET": SECRET, "REELHOUSE_TESTING": "1"} | (env or {})
    start_at = f"{time.time() + 4:.3f}"  # time for every interpreter to import Django and connect
    procs = [subprocess.Popen([sys.executable, "-m", "tests.scale.billing_worker", start_at, *tail], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for tail in argv_tails]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_the_same_gift_code_redeemed_at_once_by_four_processes_succeeds_once(db):
    plan = billing.plan_default()
    code = billing.voucher_batch_create(name="Race", plan=plan, months=1, count=1).vouchers.get().code
    users = [user_create(email=f"racer{i}@example.com", password="correct horse battery") for i in range(4)]
    results = race(*[["voucher", str(u.pk), code] for u in users])
    assert sum(r["ok"] for r in results) == 1
    assert all("already been used" in r["detail"] for r in results if not r["ok"])
    assert sum(subscription_current(user=u) is not None for u in users) == 1


def test_concurrent_stamp_redemptions_never_overdraw(db):
    reward = rewards.rewards_ensure()[0]
    user = user_create(email="saver@example.com", password="correct horse battery")
    rewards.stamps_grant(user=user, amount=2 * reward.cost + 5, note="race")
    results = race(*[["stamps", str(user.pk), reward.code] for _ in range(5)])
    assert sum(r["ok"] for r in results) == 2
    assert stamps_balance(user=user) == 5
    assert StampEntry.objects.filter(kind=StampEntry.Kind.REDEEM).count() == 2


def test_the_same_webhook_delivered_five_times_at_once_credits_once(db, tmp_path):
    user = user_create(email="payer@example.com", password="correct horse battery")
    billing.plans_ensure()
    evt = sp.event("checkout.session.completed", sp.checkout_session(
        user_id=user.pk, plan_code="standard-12m", mode="payment", amount_total=9999, payment_intent="pi_race"))
    payload = tmp_path / "event.json"
    payload.write_text(sp.body(evt))
    signature = sp.sign(payload.read_text(), SECRET, timestamp=int(time.time()) + 4)
    results = race(*[["webhook", str(payload), signature] for _ in range(5)])
    assert all(r["ok"] for r in results)
    assert sorted(r["detail"] for r in results) == ["applied"] + ["ignored"] * 4
    assert Payment.objects.filter(user=user).count() == 1
    assert stamps_balance(user=user) == 12 + 4


EXPIRE_12 = {"REELHOUSE_STAMPS_EXPIRE_MONTHS": "12"}


def _old_lot(user, amount: int, *, months_ago: int = 13) -> StampEntry:
    """Stamps earned long ago (the worker processes run on the real clock, so the entry is dated back)."""
    account = rewards.stamp_account_ensure(user=user)
    return StampEntry.objects.create(account=account, kind=StampEntry.Kind.GRANT, delta=amount, note="old",
                                     at=clock.now() - relativedelta(months=months_ago))


def test_the_expiry_job_on_four_machines_at_once_expires_each_stamp_once(db, settings):
    settings.REELHOUSE_STAMPS_EXPIRE_MONTHS = 12
    users = [user_create(email=f"keeper{i}@example.com", password="correct horse battery") for i in range(6)]
    for i, user in enumerate(users):
        _old_lot(user, 5 + i)
        rewards.stamps_grant(user=user, amount=3, note="recent")
    results = race(*[["expire"] for _ in range(4)], env=EXPIRE_12)
    assert all(r["ok"] for r in results)
    assert sum(int(r["detail"]) for r in results) == sum(5 + i for i in range(6))
    assert [stamps_balance(user=u) for u in users] == [3] * 6
    assert StampEntry.objects.filter(kind=StampEntry.Kind.EXPIRE).count() == 6


def test_redemptions_racing_the_expiry_job_never_spend_expired_stamps(db, settings):
    settings.REELHOUSE_STAMPS_EXPIRE_MONTHS = 12
    reward = rewards.rewards_ensure()[0]
    user = user_create(email="late@example.com", password="correct horse battery")
    _old_lot(user, reward.cost)  # expired: not spendable
    rewards.stamps_grant(user=user, amount=reward.cost, note="recent")  # spendable once
    results = race(*[["stamps", str(user.pk), reward.code] for _ in range(3)], ["expire"], ["expire"], env=EXPIRE_12)
    assert sum(r["ok"] for r in results[:3]) == 1
    assert stamps_balance(user=user) == 0
    assert list(StampEntry.objects.filter(kind=StampEntry.Kind.EXPIRE).values_list("delta", flat=True)) == [
        -reward.cost]
