"""One competitor in a billing race, run as its own process against the test database:
python -m tests.scale.billing_worker <start_at_epoch> voucher <user_id> <code>
                                                     stamps <user_id> <reward_code>
                                                     webhook <payload_file> <signature>
                                                     expire
Prints one JSON line: {"ok": ..., "detail": ...}."""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402


def main(start_at: float, op: str, *args: str) -> dict:
    connection.ensure_connection()  # connect before the start line so the race is in the work, not the setup
    time.sleep(max(0.0, start_at - time.time()))
    if op == "voucher":
        from reelhouse.billing.services import VoucherError, voucher_redeem

        try:
            voucher_redeem(user=get_user_model().objects.get(pk=int(args[0])), code=args[1])
        except VoucherError as error:
            return {"ok": False, "detail": str(error)}
        return {"ok": True, "detail": "redeemed"}
    if op == "stamps":
        from reelhouse.rewards.models import Reward
        from reelhouse.rewards.services import RewardsError, stamps_redeem

        try:
            stamps_redeem(user=get_user_model().objects.get(pk=int(args[0])), reward=Reward.objects.get(code=args[1]))
        except RewardsError as error:
            return {"ok": False, "detail": str(error)}
        return {"ok": True, "detail": "redeemed"}
    if op == "webhook":
        from django.test import Client

        with open(args[0]) as f:
            payload = f.read()
        # A process of its own, outside pytest: 'testserver' is an allowed host only under the test runner.
        response = Client(HTTP_HOST="localhost").post("/billing/stripe/webhook/", payload,
                                                      content_type="application/json",
                                                      headers={"Stripe-Signature": args[1]})
        return {"ok": response.status_code == 200, "detail": response.content.decode()}
    if op == "expire":
        from reelhouse.rewards.services import stamps_expire

        return {"ok": True, "detail": str(stamps_expire())}
    raise SystemExit(f"unknown op {op!r}")


if __name__ == "__main__":
    print(json.dumps(main(float(sys.argv[1]), sys.argv[2], *sys.argv[3:])), flush=True)
