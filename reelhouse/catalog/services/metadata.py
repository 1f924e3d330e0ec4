"""Titles' metadata from identification: slugs, genres, studios, credits."""


from django.utils.text import slugify

from reelhouse.catalog.models import (
    Credit,
    Film,
    Genre,
    Person,
    Series,
    Studio,
)


def unique_slug(model, text: str) -> str:
    base = slugify(text, allow_unicode=False)[:300] or "untitled"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def genres_for(*, names: list[str]) -> list[Genre]:
    """The genres named (created when new, matched without regard to case)."""
    genres = []
    for name in names[:20]:
        name = name.strip()[:100]
        if not name:
            continue
        genre = Genre.objects.filter(name__iexact=name).first()
        if genre is None:
            genre = Genre.objects.create(name=name, slug=unique_slug(Genre, name))
        genres.append(genre)
    return genres


def studios_for(*, names: list[str]) -> list[Studio]:
    """The studios or networks named (created when new, matched without regard to case or repeated spaces)."""
    studios, seen = [], set()
    for name in names[:10]:
        name = " ".join(name.split())[:200]
        if not name or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        studio = Studio.objects.filter(name__iexact=name).first()
        if studio is None:
            studio = Studio.objects.create(name=name, slug=unique_slug(Studio, name))
        studios.append(studio)
    return studios


def credits_set(*, title: Series | Film, info) -> None:
    """Record an NFO's directors, writers and actors on a series or film once (kept when already credited)."""
    if info is None or title.credits.exists():
        return
    field = "series" if isinstance(title, Series) else "film"
    people = ([(name, Credit.Role.DIRECTOR, "", i) for i, name in enumerate(info.directors[:10])]
              + [(name, Credit.Role.WRITER, "", i) for i, name in enumerate(info.credits[:10])]
              + [(a["name"], Credit.Role.ACTOR, a.get("role") or "", a.get("order") if a.get("order") is not None
                  else i) for i, a in enumerate(info.actors[:30])])
    for name, role, character, order in people:
        person, _ = Person.objects.get_or_create(name=name.strip()[:200])
        Credit.objects.get_or_create(person=person, role=role, **{field: title},
                                     defaults={"character": character[:200], "order": max(0, order or 0)})
