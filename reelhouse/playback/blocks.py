"""Playback's blocks on other apps' pages, their data read here (never in a template tag): the download button of
a title (on the player page, and on a film's page through catalog.title_extras) and the account's downloads."""

from django.template.loader import render_to_string

from reelhouse.billing.selectors import subscription_current
from reelhouse.playback.selectors import download_options, download_sizes, downloads_active


def download_button_context(*, request, work) -> dict:
    """Download (with the qualities the plan allows) where the licence and the plan allow it; otherwise why not."""
    labels, unavailable = download_options(profile=request.profile, work=work) if request.profile else ([], "")
    sizes = download_sizes(asset=work.asset, labels=labels) if labels else {}
    return {"work": work, "download_labels": [(label, sizes.get(label, 0)) for label in labels],
            "download_unavailable": unavailable}


def download_button_html(*, request, work) -> str:
    """The download button as a title-page extra (registered with catalog in playback/apps.py)."""
    return render_to_string("playback/_download_button.html", download_button_context(request=request, work=work),
                            request=request)


def downloads_section_context(*, user) -> dict:
    """The account's downloads and how many its plan allows, for playback/_downloads.html."""
    subscription = subscription_current(user=user)
    return {"downloads": list(downloads_active(user=user)),
            "downloads_limit": subscription.plan.max_downloads if subscription else 0}
