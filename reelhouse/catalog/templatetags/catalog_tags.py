"""Template helpers for catalog pages."""

from django import template
from django.urls import reverse

register = template.Library()


@register.filter
def artwork_url(rel: str) -> str:
    """URL of a resized artwork file stored as 'artwork/<...>' under MEDIA_ROOT; '' when there is none."""
    return reverse("catalog:artwork", args=[rel.removeprefix("artwork/")]) if rel else ""


@register.filter
def duration(seconds) -> str:
    if not seconds:
        return ""
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{max(minutes, 1)} min"
