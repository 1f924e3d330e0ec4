"""The catalog: series, seasons, episodes and films. Episodes and films are both Works (one id space
for watching, resume points, assets and licences). Over 400 lines because Django expects one models module per
app and these tables share the Work base and its constraints; splitting it would only scatter one schema."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from reelhouse.catalog.translations import Localized, localized_text
from reelhouse.core import clock


class Work(Localized, models.Model):
    """Something a subscriber can watch: an episode or a film."""

    class Kind(models.TextChoices):
        EPISODE = "episode"
        FILM = "film"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=300)
    synopsis = models.TextField(blank=True)
    original_title = models.CharField(max_length=300, blank=True, help_text="Title in its original language (NFO).")
    translations = models.JSONField(
        default=dict, blank=True,
        help_text='Title and synopsis per language: {"fr": {"title": "...", "synopsis": "..."}}.')
    runtime_s = models.PositiveIntegerField(null=True, blank=True)
    maturity = models.PositiveSmallIntegerField(
        null=True, blank=True, db_index=True,
        help_text="Youngest age the work suits (0, 7, 12, 16, 18, ...); empty when not rated.")
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


class Series(Localized, models.Model):
    title = models.CharField(max_length=300)
    sort_title = models.CharField(max_length=300, blank=True)
    slug = models.SlugField(max_length=320, unique=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    synopsis = models.TextField(blank=True)
    original_title = models.CharField(max_length=300, blank=True, help_text="Title in its original language (NFO).")
    translations = models.JSONField(
        default=dict, blank=True,
        help_text='Title and synopsis per language: {"fr": {"title": "...", "synopsis": "..."}}.')
    poster = models.CharField(max_length=500, blank=True, help_text="Path under MEDIA_ROOT.")
    fanart = models.CharField(max_length=500, blank=True)
    external_ids = models.JSONField(default=dict, blank=True)
    maturity = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Youngest age the series suits; its unrated episodes take this rating.")
    genres = models.ManyToManyField("Genre", related_name="series", blank=True)
    studios = models.ManyToManyField("Studio", related_name="series", blank=True)
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
    absolute_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="Counted from the series' first episode across seasons (anime numbering).")
    still = models.CharField(max_length=500, blank=True)
    skipped = models.BooleanField(default=False, help_text="Not expected from the licensor (never Missing).")

    class Meta:
        ordering = ["season__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["season", "number"], name="episode_unique_per_season"),
            models.CheckConstraint(condition=Q(number_end__isnull=True) | Q(number_end__gte=models.F("number")),
                                   name="episode_range_ordered"),
        ]
        indexes = [models.Index(fields=["series", "absolute_number"], name="episode_absolute",
                                condition=Q(absolute_number__isnull=False))]

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
    genres = models.ManyToManyField("Genre", related_name="films", blank=True)
    studios = models.ManyToManyField("Studio", related_name="films", blank=True)

    class Meta:
        ordering = ["title"]

    def save(self, *args, **kwargs):
        self.kind = Work.Kind.FILM
        super().save(*args, **kwargs)


class Genre(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    title_count = models.PositiveIntegerField(default=0, help_text="Published series and films (search_index_rebuild).")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Studio(models.Model):
    """A studio or network that made or aired series and films (NFO <studio>)."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=220, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """An actor, director or writer credited in NFOs."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


_ONE_TITLE = (Q(series__isnull=False) & Q(film__isnull=True)) | (Q(series__isnull=True) & Q(film__isnull=False))


class Credit(models.Model):
    """A person's role on a series or a film (exactly one of them)."""

    class Role(models.TextChoices):
        ACTOR = "actor"
        DIRECTOR = "director"
        WRITER = "writer"

    person = models.ForeignKey(Person, related_name="credits", on_delete=models.CASCADE)
    role = models.CharField(max_length=10, choices=Role.choices)
    character = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    series = models.ForeignKey(Series, null=True, blank=True, related_name="credits", on_delete=models.CASCADE)
    film = models.ForeignKey(Film, null=True, blank=True, related_name="credits", on_delete=models.CASCADE)

    class Meta:
        ordering = ["role", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=_ONE_TITLE, name="credit_one_title"),
            models.UniqueConstraint(fields=["person", "role", "series"], name="credit_unique_series"),
            models.UniqueConstraint(fields=["person", "role", "film"], name="credit_unique_film"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.role})"


class RatingSystem(models.Model):
    """A country's maturity rating system (US TV Parental Guidelines, MPA, FSK, CSA, BBFC ...), from ratings.SYSTEMS."""

    code = models.CharField(max_length=20, unique=True, help_text="e.g. US-TV, US-MPA, DE-FSK, FR-CSA, GB-BBFC.")
    country = models.CharField(max_length=2, db_index=True, help_text="ISO 3166-1 alpha-2.")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["country", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class Rating(models.Model):
    """One label of a rating system and the youngest age it suits (TV-14 -> 14, FSK 16 -> 16, -12 -> 12)."""

    system = models.ForeignKey(RatingSystem, related_name="ratings", on_delete=models.CASCADE)
    label = models.CharField(max_length=20)
    min_age = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["system", "min_age", "label"]
        constraints = [models.UniqueConstraint(fields=["system", "label"], name="rating_unique_per_system")]

    def __str__(self) -> str:
        return f"{self.label} ({self.system.code})"


_ONE_RATED = (Q(series__isnull=False) & Q(work__isnull=True)) | (Q(series__isnull=True) & Q(work__isnull=False))


class TitleRating(models.Model):
    """A series', film's or episode's rating in one country. The title's `maturity` (what profiles are filtered
    on) is the strictest of these, so a limited profile never sees what any country rates above its limit."""

    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 of the viewers this rating is for.")
    rating = models.ForeignKey(Rating, related_name="+", on_delete=models.PROTECT)
    series = models.ForeignKey(Series, null=True, blank=True, related_name="ratings", on_delete=models.CASCADE)
    work = models.ForeignKey(Work, null=True, blank=True, related_name="ratings", on_delete=models.CASCADE)

    class Meta:
        ordering = ["country"]
        constraints = [
            models.CheckConstraint(condition=_ONE_RATED, name="title_rating_one_title"),
            models.UniqueConstraint(fields=["series", "country"], name="title_rating_unique_series"),
            models.UniqueConstraint(fields=["work", "country"], name="title_rating_unique_work"),
        ]

    def __str__(self) -> str:
        return f"{self.series or self.work}: {self.rating.label} ({self.country})"

    def clean(self):
        super().clean()
        self.country = (self.country or "").upper()
        if self.rating_id and self.rating.system.country != self.country:
            raise ValidationError({"rating": f"{self.rating.label} is a rating of {self.rating.system.country} "
                                             f"({self.rating.system.name}), not of {self.country}"})


class MyListItem(models.Model):
    """A series or a film a profile saved to watch later (exactly one of them)."""

    profile = models.ForeignKey("accounts.Profile", related_name="my_list", on_delete=models.CASCADE)
    series = models.ForeignKey(Series, null=True, blank=True, related_name="+", on_delete=models.CASCADE)
    film = models.ForeignKey(Film, null=True, blank=True, related_name="+", on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=_ONE_TITLE, name="mylist_one_title"),
            models.UniqueConstraint(fields=["profile", "series"], name="mylist_unique_series"),
            models.UniqueConstraint(fields=["profile", "film"], name="mylist_unique_film"),
        ]

    def __str__(self) -> str:
        return f"{self.profile}: {self.series or self.film}"


class Follow(models.Model):
    """A profile follows a series: told when a new episode becomes available."""

    profile = models.ForeignKey("accounts.Profile", related_name="follows", on_delete=models.CASCADE)
    series = models.ForeignKey(Series, related_name="follows", on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "series"], name="follow_unique")]

    def __str__(self) -> str:
        return f"{self.profile} follows {self.series}"


class SearchEntry(models.Model):
    """One row per searchable and browsable thing (series, film, episode): its normalized words for search
    (SQLite FTS5 / PostgreSQL full text index them), its popularity and what a result or a tile shows.
    Maintained by catalog services; `rank_key` orders by popularity and is the FTS5 rowid."""

    class Kind(models.TextChoices):
        SERIES = "series"
        FILM = "film"
        EPISODE = "episode"

    KIND_CODES = {Kind.SERIES: 3, Kind.FILM: 2, Kind.EPISODE: 1}

    kind = models.CharField(max_length=8, choices=Kind.choices)
    object_id = models.BigIntegerField(help_text="Series id, or the work id of a film or episode.")
    rank_key = models.BigIntegerField(unique=True, help_text="popularity << 34 | kind << 32 | object id")
    title = models.CharField(max_length=300)
    title_norm = models.CharField(max_length=300, help_text="Folded title words, for exact matches.")
    terms = models.TextField(help_text="Folded title words and transliterations (indexed).")
    synopsis_terms = models.TextField(blank=True, help_text="Folded synopsis words (indexed).")
    subtitle = models.CharField(max_length=300, blank=True, help_text="Series and episode code of an episode.")
    slug = models.CharField(max_length=320, blank=True, help_text="Slug of a series or film.")
    series_id_ref = models.BigIntegerField(null=True, blank=True, help_text="The series of an episode.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    poster = models.CharField(max_length=500, blank=True)
    maturity = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Age rating; empty when unrated.")
    # Nullable so that SQLite adds the column in place: rebuilding the table would drop the FTS5 triggers.
    genre_ids = models.CharField(max_length=200, null=True, blank=True,
                                 help_text="Genre ids of a series or film as ',1,5,' (genre rows filter on it).")
    # Nullable for the same reason; {"fr": {"title": "...", "subtitle": "..."}} so cards need no other query.
    translations = models.JSONField(null=True, blank=True, help_text="Title (and subtitle) per language.")
    popularity = models.PositiveIntegerField(default=0, help_text="Profiles that watched it.")
    trending = models.PositiveIntegerField(default=0, help_text="Plays in the last 7 days.")
    published_at = models.DateTimeField(null=True, blank=True, help_text="Latest publish (series: newest episode).")
    # Where its licences let it be shown now (a series: where any of its episodes may be), so rows and search filter
    # by the viewer's territory with one LIKE; recomputed at `rights_recheck_at`, the next licence start or end.
    territories = models.CharField(max_length=810, null=True, blank=True,
                                   help_text="',FR,DE,' or ',WW,' ('' or empty: nowhere now, e.g. unlicensed).")
    rights_recheck_at = models.DateTimeField(null=True, blank=True, help_text="When a licence window next opens "
                                                                              "or closes.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique")]
        indexes = [
            models.Index(fields=["title_norm"], name="search_entry_title_norm"),
            models.Index(fields=["kind", "title_norm"], name="search_entry_kind_az"),
            models.Index(fields=["kind", "-published_at"], name="search_entry_kind_recent"),
            models.Index(fields=["kind", "-trending"], name="search_entry_kind_trending"),
            models.Index(fields=["rights_recheck_at"], name="search_entry_recheck",
                         condition=models.Q(rights_recheck_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.title}"

    @property
    def display_title(self) -> str:
        """The title in the active language, else the catalog's."""
        return localized_text(self.translations, "title", self.title)

    @property
    def display_subtitle(self) -> str:
        return localized_text(self.translations, "subtitle", self.subtitle)

    @staticmethod
    def make_rank_key(*, kind: str, object_id: int, popularity: int) -> int:
        return (min(popularity, 2**28) << 34) | (SearchEntry.KIND_CODES[kind] << 32) | (object_id & 0xFFFFFFFF)


class CountryTop(models.Model):
    """The series and films most played in the last 7 days by viewers of one country, in order ("Top 10 in
    <country>"). Written only by the periodic job (catalog.rankings via catalog.tasks); a title is named by its search
    entry's key (kind, object_id), which survives the search index rebuild."""

    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 of the viewers counted.")
    position = models.PositiveSmallIntegerField(help_text="1 for the most played.")
    kind = models.CharField(max_length=8, choices=SearchEntry.Kind.choices)
    object_id = models.BigIntegerField(help_text="Series id, or the work id of a film.")
    plays = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["country", "position"], name="country_top_unique")]
        indexes = [models.Index(fields=["country", "kind", "object_id"], name="country_top_title")]

    def __str__(self) -> str:
        return f"{self.country} #{self.position}: {self.kind} {self.object_id}"


class CoWatch(models.Model):
    """Co-watching ("Because you watched X"): the titles most often watched by the profiles that watched a series
    or film, best first. Written only by the periodic job (catalog.rankings), never per request."""

    source_kind = models.CharField(max_length=8, choices=SearchEntry.Kind.choices)
    source_id = models.BigIntegerField(help_text="Series id, or the work id of a film.")
    position = models.PositiveSmallIntegerField(help_text="1 for the strongest.")
    kind = models.CharField(max_length=8, choices=SearchEntry.Kind.choices)
    object_id = models.BigIntegerField()
    profiles = models.PositiveIntegerField(help_text="Profiles that watched both.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source_kind", "source_id", "position"],
                                               name="cowatch_unique")]
        indexes = [models.Index(fields=["source_kind", "source_id", "kind", "object_id"], name="cowatch_title")]

    def __str__(self) -> str:
        return f"{self.source_kind} {self.source_id} -> {self.kind} {self.object_id}"
