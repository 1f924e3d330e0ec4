"""Template helpers for catalog pages."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from reelhouse.catalog.artwork import KINDS, variant_path, variant_set

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
    the one picture that is the page's largest paint (the home page's featured backdrop)."""
    if not ref:
        return ""
    spec = KINDS[kind]
    shown = width or spec.widths[0]
    height = round(shown * spec.aspect)
    attrs = format_html(' alt="{}" width="{}" height="{}"{}{}{}', alt, shown, height,
                        format_html(' class="{}"', css_class) if css_class else "",
                        format_html(' loading="{}"', loading) if loading else "",
                        format_html(' fetchpriority="{}"', fetchpriority) if fetchpriority else "")
    if variant_set(ref) is None:
        return format_html('<img src="{}"{}>', artwork_url(ref), attrs)
    sizes = sizes or f"{shown}px"

    def srcset(ext):
        return format_html_join(", ", "{} {}w", ((artwork_url(variant_path(ref, w, ext)), w) for w in spec.widths))

    return format_html('<picture><source type="image/webp" srcset="{}" sizes="{}">'
                       '<img src="{}" srcset="{}" sizes="{}"{}></picture>',
                       srcset("webp"), sizes, artwork_url(variant_path(ref, spec.widths[0], "jpg")), srcset("jpg"),
                       sizes, attrs)


@register.simple_tag
def tiles(cards, empty: str = ""):
    """A row of cards as a list of tiles (poster or initial, title and year, subtitle, progress bar), or `empty`'s
    text when there are none. Built here rather than by a template loop: a home page shows a couple of hundred tiles
    and the template engine spent longer on them than the database on the whole page."""
    if not cards:
        return format_html('<ul class="tiles">\n  <li class="empty">{}</li>\n</ul>', empty)
    watched = gettext("Watched")
    return format_html('<ul class="tiles">\n{}\n</ul>', format_html_join("\n", "{}", ((_tile(c, watched),)
                                                                                     for c in cards)))


def _tile(card, watched: str):
    art = (picture(card.poster, "poster") if card.poster else
           format_html('<span class="noposter" aria-hidden="true">{}</span>', card.title[:1]))
    year = format_html(" ({})", card.year) if card.year else ""
    sub = format_html('<span class="tile-sub">{}</span>', card.subtitle) if card.subtitle else ""
    # A native <progress>: a progress bar to assistive technology and no style attribute (the page's CSP has no
    # 'unsafe-inline' for styles).
    progress = format_html('<progress class="progress" max="100" value="{}" aria-label="{}">{}%</progress>',
                           card.progress_pct, watched, card.progress_pct) if card.progress_pct else ""
    return format_html('  <li><a class="tile" href="{}">{}<span class="tile-title">{}{}</span>{}{}</a></li>',
                       card.url, art, card.title, year, sub, progress)


@register.filter
def duration(seconds) -> str:
    if not seconds:
        return ""
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{max(minutes, 1)} min"
