"""Deployment checks of Reelhouse's own settings, run by `reelhouse check --deploy` beside Django's."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs):
    if not getattr(settings, "SITE_URL_SET", False):
        return [Warning(
            f"REELHOUSE_SITE_URL is not set: mails sent outside a request (receipts, unsubscribe links) point at "
            f"{settings.SITE_URL}.", hint="Set REELHOUSE_SITE_URL to the address subscribers use, e.g. "
            "https://tv.example.com.", id="reelhouse.W001")]
    if getattr(settings, "REELHOUSE_HTTPS", False) and not settings.SITE_URL.startswith("https://"):
        return [Warning(f"REELHOUSE_SITE_URL is {settings.SITE_URL!r} while REELHOUSE_HTTPS=1: links in mails would "
                        "use plain http.", hint="Start REELHOUSE_SITE_URL with https://.", id="reelhouse.W002")]
    return []
