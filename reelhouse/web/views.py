"""Pages of the site itself rather than of one app: the landing page for visitors and the help page."""

from django.conf import settings
from django.shortcuts import redirect, render

from reelhouse.billing import conf as billing_conf
from reelhouse.billing.selectors import plan_offers

LANDING_CURRENCY = {"fr": "EUR", "de": "EUR"}  # the language's usual currency; English shows dollars


def landing(request):
    """What Reelhouse is and what it costs, for visitors; signed-in viewers go home."""
    if request.user.is_authenticated:
        return redirect("catalog:home")
    currency = request.GET.get("currency", "").upper()
    if currency not in billing_conf.CURRENCIES:
        currency = LANDING_CURRENCY.get((request.LANGUAGE_CODE or "en")[:2], "USD")
    return render(request, "landing.html", {"offers": plan_offers(currency=currency), "currency": currency,
                                            "currencies": billing_conf.CURRENCIES})


def help_page(request):
    """Answers to what visitors and subscribers ask first: devices, downloads, streams, cancelling, contact."""
    return render(request, "help.html", {"support_email": getattr(settings, "REELHOUSE_SUPPORT_EMAIL", "")
                                         or "support@localhost"})
