"""Template helpers for catalog pages."""

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from reelhouse.catalog.artwork import KINDS, variant_set

register = template.Library()


@register.filter
def artwork_url(rel: str) -> str:
    """URL of a resized artwork file stored as 'artwork/<...>' under MEDIA_ROOT; '' when there is none."""
    return reverse("catalog:artwork", args=[rel.removeprefix("artwork/")]) if rel else ""


@register.simple_tag
def picture(ref: str, kind: str = "poster", width: int | None = None, sizes: str = "", css_class: str = "",
            loading: str = "lazy", alt: str = "", fetchpriority: str = ""):
    """A <picture> of a stored artwork: WebP variants for browsers that take them, JPEG for the rest, each with
    every width of its kind so the browser fetches the one the layout needs. Displayed `width` defaults to the
    smallest variant's. A legacy single-file reference gives a plain <img>; none gives ''. `fetchpriority="high"` for
    the one picture that is the page's largest paint (the home page's featured backdrop).

    A variant's URL is the artwork view's base URL and the variant's path: pages show a picture per tile or episode
    (a home page about 160), and reversing each picture's five URLs, with a format_html per part, cost about 0.1 ms
    a picture."""
    return _picture(None, ref, kind, width, sizes, css_class, loading, alt, fetchpriority)


def _artwork_base() -> str:
    """The artwork view's URL for an empty path: a variant's URL is this and the variant's path without 'artwork/'
    (artwork_url's), which, as _REF_RE allows it (lowercase letters, hex digits, '/', '.'), has no character
    reverse() would quote."""
    return reverse("catalog:artwork", args=["-"])[:-1]


def _picture(base: str | None, ref: str, kind: str = "poster", width: int | None = None, sizes: str = "",
             css_class: str = "", loading: str = "lazy", alt: str = "", fetchpriority: str = ""):
    """picture(), with the artwork view's base URL already known (None: reversed here)."""
    if not ref:
        return ""
    spec = KINDS[kind]
    shown = width or spec.widths[0]
    height = round(shown * spec.aspect)
    attrs = (f' alt="{conditional_escape(alt)}" width="{conditional_escape(shown)}" height="{height}"'
             + (f' class="{conditional_escape(css_class)}"' if css_class else "")
             + (f' loading="{conditional_escape(loading)}"' if loading else "")
             + (f' fetchpriority="{conditional_escape(fetchpriority)}"' if fetchpriority else ""))
    variants = variant_set(ref)
    if variants is None:
        return mark_safe(f'<img src="{conditional_escape(artwork_url(ref))}"{attrs}>')
    sizes = conditional_escape(sizes or f"{shown}px")
    base = _artwork_base() if base is None else base
    folder = conditional_escape(base + variants.removeprefix("artwork/") + "/")

    def srcset(ext):
        return ", ".join(f"{folder}w{w}.{ext} {w}w" for w in spec.widths)

    return mark_safe(f'<picture><source type="image/webp" srcset="{srcset("webp")}" sizes="{sizes}">'
                     f'<img src="{folder}w{spec.widths[0]}.jpg" srcset="{srcset("jpg")}" sizes="{sizes}"{attrs}>'
                     '</picture>')


@register.simple_tag
def tiles(cards, empty: str = ""):
    """A row of cards as a list of tiles (poster or initial, title and year, subtitle, progress bar), or `empty`'s
    text when there are none. Built here rather than by a template loop, each tile one string with its values
    escaped in place: a home page shows a couple of hundred tiles, and the template engine, then a format_html per
    part of a tile (about 640 per page, a fifth of the page's time), spent longer on them than the database on the
    whole page."""
    if not cards:
        return format_html('<ul class="tiles">\n  <li class="empty">{}</li>\n</ul>', empty)
    watched, base = escape(gettext("Watched")), _artwork_base()
    return mark_safe('<ul class="tiles">\n' + "\n".join(_tile(c, watched, base) for c in cards) + "\n</ul>")


def _tile(card, watched: str, base: str) -> str:
    """One tile's HTML; `watched` comes escaped, `base` is the artwork view's base URL. Every value from the card is
    escaped here (conditional_escape: what is already safe HTML, a picture, stays as it is)."""
    title = conditional_escape(card.title)
    art = (_picture(base, card.poster, "poster") if card.poster else
           f'<span class="noposter" aria-hidden="true">{conditional_escape(card.title[:1])}</span>')
    year = f" ({conditional_escape(card.year)})" if card.year else ""
    sub = f'<span class="tile-sub">{conditional_escape(card.subtitle)}</span>' if card.subtitle else ""
    # A native <progress>: a progress bar to assistive technology and no style attribute (the page's CSP has no
    # 'unsafe-inline' for styles).
    pct = conditional_escape(card.progress_pct) if card.progress_pct else ""
    progress = (f'<progress class="progress" max="100" value="{pct}" aria-label="{watched}">{pct}%</progress>'
                if pct else "")
    return (f'  <li><a class="tile" href="{conditional_escape(card.url)}">{art}<span class="tile-title">{title}{year}'
            f'</span>{sub}{progress}</a></li>')


@register.filter
def duration(seconds) -> str:
    if not seconds:
        return ""
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{max(minutes, 1)} min"
