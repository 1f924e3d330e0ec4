"""Billing races on PostgreSQL with real, separate processes: a gift code, stamps and a webhook each count once."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from reelhouse.accounts.services import user_create
from reelhouse.billing import services as billing
from reelhouse.billing.models import Payment
from reelhouse.billing.selectors import subscription_current
from reelhouse.rewards import services as rewards
from reelhouse.rewards.models import StampEntry
from reelhouse.rewards.selectors import stamps_balance
from tests.billing import stripe_payloads as sp

ROOT = Path(__file__).resolve().parents[2]
IS_PG = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not IS_PG, reason="row-lock races need PostgreSQL: set DATABASE_URL")]
SECRET = "whsec_race_0123456789abcdef"


def race(*argv_tails: list[str]) -> list[dict]:
    """Start one process per argv tail; they all begin work at the same instant against the test database."""
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = os.environ | {"DATABASE_URL": url, "STRIPE_WEBHOOK_SECRET": SECRET, "REELHOUSE_TESTING": "1"}
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
