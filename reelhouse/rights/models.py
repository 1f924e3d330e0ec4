"""Rights: who licensed us what, where and when."""

from django.db import models
from django.db.models import Q

from reelhouse.core import clock

WORLDWIDE = "WW"


def territory_key(territories: str) -> str:
    """',FR,DE,' for 'de, fr': the codes upper-cased, sorted and comma-fenced ('' for none)."""
    codes = sorted({t.strip().upper() for t in territories.split(",") if t.strip()})
    return f",{','.join(codes)}," if codes else ""


def territory_match_keys(country: str) -> list[str]:
    """The fenced codes whose presence in a territory key lets a viewer of `country` in: its own and worldwide."""
    return [f",{WORLDWIDE},", f",{country.strip().upper()},"]


class Licensor(models.Model):
    name = models.CharField(max_length=120, unique=True)
    contact_email = models.EmailField(blank=True)

    def __str__(self) -> str:
        return self.name


class Licence(models.Model):
    """A licence window: works delivered under it may be shown in its territories between start and end."""

    licensor = models.ForeignKey(Licensor, related_name="licences", on_delete=models.PROTECT)
    name = models.CharField(max_length=120)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: open-ended.")
    territories = models.CharField(
        max_length=800, default=WORLDWIDE,
        help_text="Comma-separated ISO 3166-1 alpha-2 codes, or WW for worldwide.",
    )
    territory_key = models.CharField(
        max_length=810, default=f",{WORLDWIDE},", editable=False,
        help_text="The territories as ',FR,DE,' (kept by save()), so that queries match a code with one LIKE.",
    )
    allows_downloads = models.BooleanField(
        default=True,
        help_text="Subscribers may take offline copies (MP4 downloads) of works under this licence. Untick for "
                  "streaming-only rights: existing downloads stop opening at once.",
    )
    max_height = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="The highest quality (rendition height, e.g. 720) the licence allows showing; empty: no limit. "
                  "Streams and downloads never go above it, whatever the plan.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                                   name="licence_window_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.licensor}: {self.name}"

    def save(self, *args, **kwargs):
        self.territory_key = territory_key(self.territories)
        if kwargs.get("update_fields") is not None and "territories" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "territory_key"}
        super().save(*args, **kwargs)

    @property
    def territory_codes(self) -> set[str]:
        return {t.strip().upper() for t in self.territories.split(",") if t.strip()}

    def covers_territory(self, territory: str) -> bool:
        codes = self.territory_codes
        return WORLDWIDE in codes or territory.upper() in codes

    def is_current(self, at=None) -> bool:
        at = at or clock.now()
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)
