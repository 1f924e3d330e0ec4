"""Billing views: the account page (plan, payments, stamps, streams), codes, trial, checkout, Stripe webhook."""

import json
import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from reelhouse.accounts.access import owner_required
from reelhouse.billing import conf, selectors, services, upgrades
from reelhouse.billing.account_page import account_page
from reelhouse.billing.gateway import GatewayUnavailable
from reelhouse.billing.models import Payment, Plan
from reelhouse.billing.stripe_events import stripe_event_apply
from reelhouse.core.http import safe_next
from reelhouse.playback import services as playback_services
from reelhouse.playback.models import PlaybackSession
from reelhouse.rewards import services as rewards_services
from reelhouse.rewards.models import Reward

log = logging.getLogger("reelhouse.billing")
MOVED_REPORTS = ("revenue", "subscribers", "months", "vouchers", "trials")  # /billing/reports/<name>.csv, once


@owner_required
def account(request):
    return render(request, "billing/account.html", account_page(user=request.user))


def _act(request, action, success: str):
    try:
        action()
    except (services.BillingError, rewards_services.RewardsError) as error:
        messages.error(request, str(error))
    else:
        if success:
            messages.success(request, success)
    return redirect("billing:account")


@owner_required
@require_POST
def voucher_redeem(request):
    code = request.POST.get("code", "")
    return _act(request, lambda: services.voucher_redeem(user=request.user, code=code),
                _("Gift code redeemed: your access has been extended."))


@owner_required
@require_POST
def trial_start(request):
    return _act(request, lambda: services.trial_start(user=request.user), _("Your free trial has started."))


@owner_required
@require_POST
def subscription_cancel(request):
    undo = request.POST.get("undo") == "1"
    return _act(request, lambda: services.subscription_cancel(user=request.user, undo=undo),
                _("Your subscription will renew.") if undo
                else _("Your subscription will not renew; you can watch until the end of the period."))


@owner_required
@require_POST
def subscription_pause(request):
    try:
        weeks = int(request.POST.get("weeks", ""))
    except ValueError:
        messages.error(request, _("Choose how many weeks to pause (1 to %(max)d).") % {"max": conf.MAX_PAUSE_WEEKS})
        return redirect("billing:account")
    return _act(request, lambda: services.subscription_pause(user=request.user, weeks=weeks),
                ngettext("Paused for %(weeks)d week; your remaining time is kept.",
                         "Paused for %(weeks)d weeks; your remaining time is kept.", weeks) % {"weeks": weeks})


@owner_required
@require_POST
def subscription_unpause(request):
    return _act(request, lambda: services.subscription_unpause(user=request.user),
                _("Welcome back: playing again."))


@owner_required
def subscription_upgrade(request):
    """GET: the price of upgrading now, to accept; POST (the accepted quote): pay it by card. The plan changes when
    the payment is confirmed (see billing.upgrades)."""
    if request.method == "POST":
        return _upgrade_accept(request)
    plan = get_object_or_404(Plan, code=request.GET.get("plan", ""), is_active=True)
    currency = request.GET.get("currency", "") or selectors.billing_currency(user=request.user)
    try:
        quote = upgrades.upgrade_quote(user=request.user, plan=plan, currency=currency)
    except services.BillingError as error:
        messages.error(request, str(error))
        return redirect("billing:account")
    return render(request, "billing/upgrade_confirm.html", {"quote": quote, "current": quote.subscription.plan})


def _upgrade_accept(request):
    token = request.POST.get("quote", "")
    back = request.build_absolute_uri(reverse("billing:account"))
    try:
        started = upgrades.upgrade_accept(user=request.user, token=token, success_url=back + "?upgrade=paid",
                                          cancel_url=back)
    except (services.BillingError, GatewayUnavailable) as error:
        messages.error(request, str(error))
        plan = upgrades.quote_plan(token=token)
        if plan is None:
            return redirect("billing:account")
        return redirect(f"{reverse('billing:upgrade')}?{urlencode({'plan': plan.code})}")
    if started.checkout_url:
        return redirect(started.checkout_url)
    if started.applied:
        messages.success(request, _("Upgraded to %(plan)s; its limits apply now.")
                         % {"plan": started.subscription.plan.name})
    else:
        messages.error(request, _("Your card was not charged, so your plan has not changed. Update your payment "
                                  "method and try again; the upgrade applies once the payment goes through."))
    return redirect("billing:account")


@owner_required
@require_POST
def subscription_change(request):
    plan = get_object_or_404(Plan, code=request.POST.get("plan", ""), is_active=True)
    currency = request.POST.get("currency", "") or selectors.billing_currency(user=request.user)

    def schedule():
        sub = services.subscription_change_schedule(user=request.user, plan=plan, currency=currency)
        messages.success(request, _("From %(date)s your plan will be %(plan)s.") % {
            "date": formats.date_format(sub.current_period_end, "DATE_FORMAT"), "plan": plan.name})

    return _act(request, schedule, "")


@owner_required
@require_POST
def subscription_change_cancel(request):
    return _act(request, lambda: services.subscription_change_unschedule(user=request.user),
                _("The plan change is cancelled: your plan stays as it is."))


@owner_required
@require_POST
def billing_portal(request):
    """Send the subscriber to Stripe's customer portal to change cards; they come back to the account page."""
    try:
        url = services.portal_url_create(user=request.user,
                                         return_url=request.build_absolute_uri(reverse("billing:account")))
    except (services.BillingError, GatewayUnavailable) as error:
        messages.error(request, str(error))
        return redirect("billing:account")
    return redirect(url)


@owner_required
@require_POST
def stamps_redeem(request, code: str):
    reward = get_object_or_404(Reward, code=code)
    return _act(request, lambda: rewards_services.stamps_redeem(user=request.user, reward=reward),
                _("Redeemed: %(reward)s.") % {"reward": reward.name})


@owner_required
@require_POST
def referral_enter(request):
    code = request.POST.get("code", "")
    return _act(request, lambda: rewards_services.referral_record(referee=request.user, code=code),
                _("Referral code saved: you both get stamps after your first payment."))


@login_required
@require_POST
def stream_stop(request, session_id):
    try:
        playback_services.playback_session_end(user=request.user, session_id=session_id)
    except PlaybackSession.DoesNotExist:
        raise Http404("no such stream on this account") from None
    messages.success(request, _("The stream was stopped; its slot is free now."))
    return redirect(safe_next(request, default=reverse("billing:account")))


@owner_required
@require_POST
def checkout(request):
    plan = get_object_or_404(Plan, code=request.POST.get("plan", ""), is_active=True)
    back = request.build_absolute_uri(reverse("billing:account"))
    try:
        url = services.checkout_url_create(user=request.user, plan=plan, currency=request.POST.get("currency", "USD"),
                                           coupon_code=request.POST.get("coupon", ""),
                                           success_url=back + "?paid=1", cancel_url=back)
    except (services.BillingError, GatewayUnavailable) as error:
        messages.error(request, str(error))
        return redirect("billing:account")
    return redirect(url)


@owner_required
def receipt(request, number: str):
    payment = get_object_or_404(Payment.objects.select_related("plan", "user"), number=number, user=request.user)
    return render(request, "billing/receipt.html",
                  {"payment": payment, "invoice": selectors.invoice_of(payment=payment)})


@owner_required
@require_POST
def billing_details(request):
    form = request.POST
    return _act(request, lambda: services.billing_profile_update(
        user=request.user, name=form.get("name", ""), address=form.get("address", ""), country=form.get("country", ""),
        vat_id=form.get("vat_id", "")), _("Billing details saved: your next invoices will show them."))


def report_csv(request, name: str):
    """The billing reports' old URLs: each report has one route, /ops/dashboard/<name>.csv, which decides who may
    read it; this only sends there (permanently), so it checks nothing of its own and shows nothing."""
    if name not in MOVED_REPORTS:
        raise Http404(f"No report {name!r}; the reports are at /ops/dashboard/<name>.csv.")
    return HttpResponsePermanentRedirect(reverse("backoffice:figure_csv", args=[name]))


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's webhook: 400 unless signed with STRIPE_WEBHOOK_SECRET; each event applied once."""
    import stripe

    secret = conf.stripe_webhook_secret()
    if not secret:
        return HttpResponseBadRequest("Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET is empty).")
    try:
        stripe.Webhook.construct_event(request.body, request.headers.get("Stripe-Signature", ""), secret)
    except (ValueError, stripe.SignatureVerificationError) as error:
        log.warning("stripe webhook refused: %s", error)
        return HttpResponseBadRequest("invalid payload or signature")
    applied = stripe_event_apply(event=json.loads(request.body))
    return HttpResponse("applied" if applied else "ignored")
