"""Deployment checks of Reelhouse's own settings, run by `reelhouse check --deploy` beside Django's."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def base_url_check(app_configs, **kwargs):
    base = getattr(settings, "REELHOUSE_BASE_URL", "")
    if not base:
        return [Warning(
            "REELHOUSE_BASE_URL is not set: mails sent outside a request (receipts, failed renewals) carry links "
            "without a host.", hint="Set REELHOUSE_BASE_URL to the address subscribers use, e.g. "
            "https://tv.example.com.", id="reelhouse.W001")]
    if getattr(settings, "REELHOUSE_HTTPS", False) and not base.startswith("https://"):
        return [Warning(f"REELHOUSE_BASE_URL is {base!r} while REELHOUSE_HTTPS=1: links in mails would use plain "
                        "http.", hint="Start REELHOUSE_BASE_URL with https://.", id="reelhouse.W002")]
    return []
