"""Playback pieces other apps' pages include: the account's downloads list."""

from django import template

from reelhouse.billing.selectors import subscription_current
from reelhouse.playback.selectors import downloads_active

register = template.Library()


@register.inclusion_tag("playback/_downloads.html", takes_context=True)
def downloads_section(context):
    user = context["request"].user
    subscription = subscription_current(user=user)
    downloads = list(downloads_active(user=user))
    return {"request": context["request"], "downloads": downloads, "csrf_token": context.get("csrf_token"),
            "limit": subscription.plan.max_downloads if subscription else 0}
