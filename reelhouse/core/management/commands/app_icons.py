"""Draw the installable app's icons (192 and 512 px, plus a maskable 512) with Pillow into static/reelhouse/icons.

Run once when the design changes; the PNGs are committed (a few KB), so installing Reelhouse needs no step."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

BACKGROUND = "#111418"  # the site's --bg
ACCENT = "#ffb020"  # the site's --accent


def reel(size: int, *, safe: float) -> Image.Image:
    """A film reel in the accent colour on the site's background; `safe` is the share of the square it may use
    (a maskable icon keeps to the inner 80% circle, which every platform's mask leaves visible)."""
    scale = 4  # drawn large and scaled down: smooth edges without an anti-aliasing pass of our own
    big = size * scale
    image = Image.new("RGB", (big, big), BACKGROUND)
    draw = ImageDraw.Draw(image)
    centre, radius = big / 2, big * safe / 2
    draw.ellipse([centre - radius, centre - radius, centre + radius, centre + radius], fill=ACCENT)
    hole = radius * 0.22
    for dx, dy in ((0, -0.55), (0.52, -0.17), (0.32, 0.45), (-0.32, 0.45), (-0.52, -0.17)):
        x, y = centre + dx * radius, centre + dy * radius
        draw.ellipse([x - hole, y - hole, x + hole, y + hole], fill=BACKGROUND)
    hub = radius * 0.09
    draw.ellipse([centre - hub, centre - hub, centre + hub, centre + hub], fill=BACKGROUND)
    return image.resize((size, size), Image.LANCZOS).quantize(colors=32)  # a palette PNG: a few KB


class Command(BaseCommand):
    help = "Draw the app icons (icon-192.png, icon-512.png, maskable-512.png) into static/reelhouse/icons/."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "reelhouse" / "static" / "reelhouse" / "icons"
        folder.mkdir(parents=True, exist_ok=True)
        for name, size, safe in (("icon-192.png", 192, 0.92), ("icon-512.png", 512, 0.92),
                                 ("maskable-512.png", 512, 0.7)):
            reel(size, safe=safe).save(folder / name, optimize=True)
            self.stdout.write(f"wrote {folder / name}")
