"""Gift vouchers: batches, their CSV, redemption."""

import csv
import datetime as dt
import io
import secrets

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from reelhouse.billing import conf
from reelhouse.billing.models import (
    Plan,
    Subscription,
    Voucher,
    VoucherBatch,
)
from reelhouse.billing.services.access import access_extend
from reelhouse.billing.services.errors import VoucherError
from reelhouse.core import clock
from reelhouse.core.audit import audit_record


def _voucher_code() -> str:
    groups = ("".join(secrets.choice(conf.VOUCHER_ALPHABET) for _ in range(4))
              for _ in range(conf.VOUCHER_CODE_GROUPS))
    return "-".join(groups)


def voucher_code_normalize(code: str) -> str:
    """What people type ('abcd efgh ijkl mnpq', any dashes or spaces) to the stored form XXXX-XXXX-XXXX-XXXX."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def voucher_batch_create(*, name: str, plan: Plan, months: int, count: int, expires_at: dt.datetime | None = None,
                         actor=None) -> VoucherBatch:
    """Generate `count` unguessable gift codes, each worth `months` of `plan`."""
    if not 1 <= count <= 100_000:
        raise VoucherError(f"A batch holds 1 to 100000 codes (asked for {count}).")
    batch = VoucherBatch.objects.create(name=name, plan=plan, months=months, expires_at=expires_at, created_by=actor)
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(_voucher_code())
    Voucher.objects.bulk_create([Voucher(batch=batch, code=c) for c in sorted(codes)], batch_size=2000)
    audit_record(action="voucher_batch.created", subject=batch, actor=actor, count=count, months=months)
    return batch


def voucher_batch_csv(*, batch: VoucherBatch) -> str:
    """The batch's codes as CSV, for printing or handing to a partner."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "plan", "months", "expires_at", "redeemed_at"])
    for v in batch.vouchers.order_by("id"):
        writer.writerow([v.code, batch.plan.name, batch.months,
                         batch.expires_at.isoformat() if batch.expires_at else "",
                         v.redeemed_at.isoformat() if v.redeemed_at else ""])
    return out.getvalue()


@transaction.atomic
def voucher_redeem(*, user, code: str) -> Subscription:
    """Spend a gift code on the user's account: exactly one redemption wins even when two arrive at once."""
    normalized = voucher_code_normalize(code)
    voucher = Voucher.objects.select_related("batch__plan").filter(code=normalized).first()
    if voucher is None:
        raise VoucherError(_("The code '%(code)s' is not a valid gift code. Check it for typos.")
                           % {"code": code.strip()})
    now = clock.now()
    if voucher.batch.expires_at is not None and now >= voucher.batch.expires_at:
        raise VoucherError(_("The code %(code)s expired on %(date)s.") % {
            "code": normalized, "date": formats.date_format(voucher.batch.expires_at, "DATE_FORMAT")})
    # One conditional UPDATE decides the race: the row lock makes the second writer see redeemed_at set.
    won = Voucher.objects.filter(pk=voucher.pk, redeemed_at__isnull=True).update(redeemed_by=user, redeemed_at=now)
    if not won:
        raise VoucherError(_("The code %(code)s has already been used.") % {"code": normalized})
    sub = access_extend(user=user, plan=voucher.batch.plan, months=voucher.batch.months,
                        reason=f"voucher {normalized}", actor=user)
    audit_record(action="voucher.redeemed", subject=voucher, actor=user)
    return sub
