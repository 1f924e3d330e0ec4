"""Age ratings per country and the maturity they give a title."""


from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from reelhouse.catalog.models import (
    Episode,
    Rating,
    RatingSystem,
    SearchEntry,
    Series,
    TitleRating,
    Work,
)
from reelhouse.catalog.ratings import SYSTEMS, rating_parse, ratings_parse
from reelhouse.core.audit import audit_record


class RatingError(ValueError):
    """A rating label that is not one of the country's; the message lists what the country uses."""


def rating_systems_sync() -> int:
    """Make the RatingSystem and Rating rows match ratings.SYSTEMS (idempotent); returns the ratings written."""
    written = 0
    for spec in SYSTEMS:
        system, _ = RatingSystem.objects.update_or_create(code=spec.code, defaults={"country": spec.country,
                                                                                    "name": spec.name})
        for label, age in spec.ratings:
            _, created = Rating.objects.update_or_create(system=system, label=label, defaults={"min_age": age})
            written += created
    return written


def _rating_row(*, system: str, label: str) -> Rating:
    rating = Rating.objects.filter(system__code=system, label=label).first()
    if rating is None:
        rating_systems_sync()
        rating = Rating.objects.get(system__code=system, label=label)
    return rating


def _rated(title: Series | Work) -> dict:
    return {"series": title} if isinstance(title, Series) else {"work_id": title.pk}


@transaction.atomic
def title_rating_set(*, title: Series | Work, country: str, label: str) -> TitleRating | None:
    """Rate a series, film or episode in one country ('TV-MA' in US, 'FSK 16' or '16' in DE, '-12' in FR; an empty
    label removes the country's rating) and derive its maturity again. Raises RatingError for a label the country
    does not use."""
    country = (country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise RatingError(f"{country!r} is not a country code (expected ISO 3166-1 alpha-2 such as US, DE, FR)")
    if not (label or "").strip():
        TitleRating.objects.filter(country=country, **_rated(title)).delete()
        maturity_refresh(title=title)
        audit_record(action="title.rating_removed", subject=title, country=country)
        return None
    parsed = rating_parse(label, country=country)
    if parsed is None or parsed.country != country:
        known = [name for spec in SYSTEMS if spec.country == country for name, _ in spec.ratings]
        raise RatingError(f"{label!r} is not a rating used in {country}; "
                          + (f"expected one of {', '.join(known)}" if known
                             else f"no rating system is known for {country} (known: "
                                  f"{', '.join(sorted({s.country for s in SYSTEMS}))})"))
    rating = _rating_row(system=parsed.system, label=parsed.label)
    title_rating, _ = TitleRating.objects.update_or_create(country=country, **_rated(title),
                                                           defaults={"rating": rating})
    maturity_refresh(title=title)
    audit_record(action="title.rated", subject=title, country=country, rating=parsed.label,
                 maturity=title.maturity)
    return title_rating


def title_ratings_from_nfo(*, title: Series | Work, mpaa: str | None) -> int:
    """Record the country ratings an NFO's <mpaa> names ('US:TV-MA / DE:16', 'FSK 12', 'TV-14'); a bare age keeps
    only the maturity it gave. Returns the ratings recorded."""
    parsed = ratings_parse(mpaa)
    for found in parsed:
        TitleRating.objects.update_or_create(country=found.country, **_rated(title),
                                             defaults={"rating": _rating_row(system=found.system, label=found.label)})
    if parsed:
        maturity_refresh(title=title)
    return len(parsed)


def maturity_refresh(*, title: Series | Work) -> int | None:
    """Derive a title's maturity from its country ratings: the strictest one (none recorded: left as it is). A
    series passes its rating on to its episodes that carry no rating of their own; search entries follow."""
    ages = list(TitleRating.objects.filter(**_rated(title)).values_list("rating__min_age", flat=True))
    if not ages:
        return title.maturity
    new = max(ages)
    if isinstance(title, Series):
        old = Series.objects.filter(pk=title.pk).values_list("maturity", flat=True).first()
        Series.objects.filter(pk=title.pk).update(maturity=new)
        following = Q(maturity__isnull=True) | (Q(maturity=old) if old is not None else Q(pk__in=[]))
        own = TitleRating.objects.filter(work_id=OuterRef("pk"))
        episode_ids = list(Episode.objects.filter(following, series=title).exclude(Exists(own))
                           .values_list("pk", flat=True))
        Work.objects.filter(pk__in=episode_ids).update(maturity=new)
        SearchEntry.objects.filter(kind="series", object_id=title.pk).update(maturity=new)
        SearchEntry.objects.filter(kind="episode", object_id__in=episode_ids).update(maturity=new)
    else:
        Work.objects.filter(pk=title.pk).update(maturity=new)
        SearchEntry.objects.filter(kind__in=["film", "episode"], object_id=title.pk).update(maturity=new)
    title.maturity = new
    return new
