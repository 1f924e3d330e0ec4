"""What a title page shows about a series or film besides its texts: its studios or networks and the maturity
rating of the viewer's country (falling back to another country's, then to the bare age), in one query."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import CharField, F, IntegerField, Value

from reelhouse.catalog.models import Film, Series, Studio, TitleRating, Work

FALLBACK_COUNTRY = "US"  # whose rating a viewer sees when their own country has none (REELHOUSE_RATING_FALLBACK)


@dataclass(frozen=True)
class ShownRating:
    label: str
    country: str = ""
    system: str = ""
    min_age: int | None = None
    is_viewer_country: bool = True


@dataclass(frozen=True)
class TitleFacts:
    studios: list[Studio] = field(default_factory=list)
    rating: ShownRating | None = None


def title_facts(*, title: Series | Work | None, country: str | None = None) -> TitleFacts:
    """Studios (series and films) and the rating to show a viewer in `country`: theirs, else the fallback
    country's, else the first on record, else the title's bare age ('16+'). One query."""
    if title is None or title.pk is None:
        return TitleFacts()
    text, number = CharField(), IntegerField()
    rated = {"series": title} if isinstance(title, Series) else {"work_id": title.pk}
    # Both halves name the same five columns in the same order: kind, name/label, slug/system, country, age.
    ratings = TitleRating.objects.filter(**rated).annotate(
        k=Value("r", output_field=text), n=F("rating__label"), s=F("rating__system__name"),
        c=F("country"), a=F("rating__min_age")).order_by().values_list("k", "n", "s", "c", "a")
    query = ratings
    if isinstance(title, Series | Film):
        studios = Studio.objects.filter(**{"series" if isinstance(title, Series) else "films": title}).annotate(
            k=Value("s", output_field=text), n=F("name"), s=F("slug"), c=Value("", output_field=text),
            a=Value(0, output_field=number)).order_by().values_list("k", "n", "s", "c", "a")
        query = studios.union(ratings, all=True)
    rows = list(query)
    studios = sorted((Studio(name=n, slug=s) for k, n, s, _c, _a in rows if k == "s"), key=lambda st: st.name)
    by_country = {c: ShownRating(label=n, country=c, system=s, min_age=a) for k, n, s, c, a in rows if k == "r"}
    return TitleFacts(studios=studios, rating=_shown(by_country, country=(country or "").upper(),
                                                    maturity=title.maturity))


def _shown(by_country: dict[str, ShownRating], *, country: str, maturity: int | None) -> ShownRating | None:
    if country in by_country:
        return by_country[country]
    fallback = getattr(settings, "REELHOUSE_RATING_FALLBACK", FALLBACK_COUNTRY)
    other = by_country.get(fallback) or (by_country[min(by_country)] if by_country else None)
    if other is not None:
        return ShownRating(label=other.label, country=other.country, system=other.system, min_age=other.min_age,
                           is_viewer_country=False)
    if maturity is not None:
        return ShownRating(label=f"{maturity}+", min_age=maturity, is_viewer_country=False)
    return None
