"""Free trials, once per person (an address normalised and keyed)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from reelhouse.billing import conf
from reelhouse.billing.models import Payment, Subscription, TrialUse
from reelhouse.billing.selectors import subscription_current
from reelhouse.billing.services.access import plan_default
from reelhouse.billing.services.errors import TrialError
from reelhouse.core import clock
from reelhouse.core.audit import audit_record

TRIAL_KEY_SALT = "reelhouse.billing.trial-use"


def person_key(email: str) -> str:
    """One key per mailbox: case, '+tags' and (for Gmail) dots do not make a new person."""
    local, _at, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def trial_key(email: str) -> str:
    """What a TrialUse keeps of the address: a keyed digest of its person_key, so the one-trial rule outlives the
    account (a closed account's address may sign up again) without the address itself being kept."""
    return salted_hmac(TRIAL_KEY_SALT, person_key(email), algorithm="sha256").hexdigest()


@transaction.atomic
def trial_start(*, user) -> Subscription:
    """Start the free trial; each person gets one, ever (keyed on person_key, so aliases of one mailbox count once),
    and only once the address is confirmed: otherwise any made-up address would be a new person."""
    if subscription_current(user=user) is not None:
        raise TrialError(_("You already have access; the free trial is for new subscribers."))
    if Payment.objects.filter(user=user).exists():
        raise TrialError(_("The free trial is for new subscribers; this account has paid before."))
    if user.email_verified_at is None:
        raise TrialError(_("Confirm your email address first: open the link we sent to %(email)s (or have it sent "
                           "again from this page), then start the free trial.") % {"email": user.email})
    try:
        with transaction.atomic():
            TrialUse.objects.create(person_key=trial_key(user.email), user=user)
    except IntegrityError:
        raise TrialError(_("A free trial has already been used with this email address.")) from None
    now = clock.now()
    sub = Subscription.objects.create(user=user, plan=plan_default(), state=Subscription.State.TRIALING,
                                      current_period_start=now, current_period_end=now + dt.timedelta(
                                          days=conf.TRIAL_DAYS))
    audit_record(action="trial.started", subject=sub, actor=user)
    return sub
