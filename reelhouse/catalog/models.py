"""The catalog: series, seasons, episodes and films. Episodes and films are both Works (one id space
for watching, resume points, assets and licences)."""

from django.db import models
from django.db.models import Q

from reelhouse.core import clock


class Work(models.Model):
    """Something a subscriber can watch: an episode or a film."""

    class Kind(models.TextChoices):
        EPISODE = "episode"
        FILM = "film"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=300)
    synopsis = models.TextField(blank=True)
    runtime_s = models.PositiveIntegerField(null=True, blank=True)
    licence = models.ForeignKey("rights.Licence", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="works")
    asset = models.ForeignKey("media.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="The published package viewers get.")
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.asset_id is not None and self.published_at is not None


class Series(models.Model):
    title = models.CharField(max_length=300)
    sort_title = models.CharField(max_length=300, blank=True)
    slug = models.SlugField(max_length=320, unique=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    synopsis = models.TextField(blank=True)
    poster = models.CharField(max_length=500, blank=True, help_text="Path under MEDIA_ROOT.")
    fanart = models.CharField(max_length=500, blank=True)
    external_ids = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name_plural = "series"
        ordering = ["sort_title", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


class Season(models.Model):
    series = models.ForeignKey(Series, related_name="seasons", on_delete=models.CASCADE)
    number = models.PositiveSmallIntegerField(help_text="0 holds specials.")
    title = models.CharField(max_length=300, blank=True)
    poster = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["series", "number"]
        constraints = [models.UniqueConstraint(fields=["series", "number"], name="season_unique_per_series")]

    def __str__(self) -> str:
        return self.title or (f"{self.series.title} – Specials" if self.number == 0
                              else f"{self.series.title} – Season {self.number}")


class Episode(Work):
    series = models.ForeignKey(Series, related_name="episodes", on_delete=models.CASCADE)
    season = models.ForeignKey(Season, related_name="episodes", on_delete=models.CASCADE)
    number = models.PositiveSmallIntegerField()
    number_end = models.PositiveSmallIntegerField(null=True, blank=True,
                                                  help_text="Last episode of a multi-episode file.")
    air_date = models.DateField(null=True, blank=True, db_index=True)
    still = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["season__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["season", "number"], name="episode_unique_per_season"),
            models.CheckConstraint(condition=Q(number_end__isnull=True) | Q(number_end__gte=models.F("number")),
                                   name="episode_range_ordered"),
        ]

    def save(self, *args, **kwargs):
        self.kind = Work.Kind.EPISODE
        super().save(*args, **kwargs)

    @property
    def code(self) -> str:
        end = f"-E{self.number_end:02d}" if self.number_end and self.number_end != self.number else ""
        return f"S{self.season.number:02d}E{self.number:02d}{end}"


class Film(Work):
    slug = models.SlugField(max_length=320, unique=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    poster = models.CharField(max_length=500, blank=True)
    fanart = models.CharField(max_length=500, blank=True)
    external_ids = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["title"]

    def save(self, *args, **kwargs):
        self.kind = Work.Kind.FILM
        super().save(*args, **kwargs)
