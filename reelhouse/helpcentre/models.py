"""Help centre: categories and articles (operator-written Markdown, one language each), "was this helpful?" votes."""

from django.db import models

from reelhouse.core import clock

LANGUAGE_CHOICES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch")]


class Category(models.Model):
    slug = models.SlugField(max_length=60)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="en")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["slug", "language"], name="helpcategory_slug_language")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class Article(models.Model):
    """One article in one language; the body is Markdown, rendered safely (no raw HTML, no script links)."""

    category = models.ForeignKey(Category, related_name="articles", on_delete=models.PROTECT)
    slug = models.SlugField(max_length=80)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="en")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown. Raw HTML is shown as text; only http(s), mailto and relative links.")
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=clock.now)
    helpful = models.PositiveIntegerField(default=0)
    not_helpful = models.PositiveIntegerField(default=0)
    suggested_opens = models.PositiveIntegerField(default=0, help_text="Opened from a suggestion on the request form.")
    suggested_then_requested = models.PositiveIntegerField(
        default=0, help_text="Of those openings, how many were followed by a request anyway (not deflected).")

    class Meta:
        ordering = ["category__position", "title"]
        constraints = [models.UniqueConstraint(fields=["slug", "language"], name="helparticle_slug_language")]

    def __str__(self) -> str:
        return self.title

    @property
    def deflected(self) -> int:
        return self.suggested_opens - self.suggested_then_requested
