"""Playback pieces other apps' pages include: the account's downloads list, a title's download button."""

from django import template

from reelhouse.billing.selectors import subscription_current
from reelhouse.playback.selectors import download_options, downloads_active

register = template.Library()


@register.inclusion_tag("playback/_downloads.html", takes_context=True)
def downloads_section(context):
    user = context["request"].user
    subscription = subscription_current(user=user)
    downloads = list(downloads_active(user=user))
    return {"request": context["request"], "downloads": downloads, "csrf_token": context.get("csrf_token"),
            "limit": subscription.plan.max_downloads if subscription else 0}


@register.inclusion_tag("playback/_download_button.html", takes_context=True)
def download_button(context, work):
    """Download (with the qualities the plan allows) where the licence and the plan allow it; otherwise why not.
    Usage on a film or episode page: {% load playback_tags %}{% download_button film %}."""
    request = context["request"]
    labels, unavailable = download_options(profile=request.profile, work=work) if request.profile else ([], "")
    return {"work": work, "download_labels": labels, "download_unavailable": unavailable,
            "csrf_token": context.get("csrf_token")}
