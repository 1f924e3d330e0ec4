"""What the scale catalog carries besides titles and episodes: genres, studios and networks, people and credits,
maturity ratings per country (the title's maturity is derived from them, as catalog services do), and French and
German titles and synopses for a share of series and films. Written in bulk by seeding.seed_scale; deterministic
for a seed, with its own random stream so the rest of the seeded shape does not move."""

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from django.utils.text import slugify

from reelhouse.catalog.models import Credit, Film, Genre, Person, Rating, Series, Studio, TitleRating

GENRES = ["Drama", "Comedy", "Crime", "Thriller", "Documentary", "Animation", "Science Fiction", "Fantasy",
          "Romance", "Horror", "Action", "Adventure", "Family", "Mystery", "History", "War", "Western", "Music",
          "Reality", "Talk Show", "News", "Kids", "Sport", "Soap"]
STUDIO_WORDS = ["Northern", "Harbour", "Silver", "Golden", "Blue", "Iron", "Velvet", "Crown", "Meridian", "Atlas",
                "Lantern", "Orchard", "Summit", "Beacon", "Falcon", "Raven", "Cedar", "Granite", "Coastal", "Ember"]
STUDIO_KINDS = ["Pictures", "Films", "Studios", "Television", "Network", "Media", "Entertainment", "Productions"]
FIRST = ["Ada", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca", "Mara",
         "Nils", "Olga", "Paul", "Quinn", "Rosa", "Sami", "Tara", "Ugo", "Vera", "Wim", "Xenia", "Yann", "Zoë",
         "Amélie", "Björn", "Chloé", "Dário", "Émile", "Jürgen", "Søren", "Åsa", "Noémie", "Renée"]
LAST = ["Adler", "Baker", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ito", "Jensen", "Kowalski",
        "Lefèvre", "Müller", "Nakamura", "Okafor", "Petit", "Quintero", "Rossi", "Schmidt", "Takahashi", "Ueda",
        "Varga", "Weber", "Xu", "Yilmaz", "Zimmermann", "Åkesson", "Brûlé", "Çelik", "Dvořák", "Ødegaard", "Núñez"]
# Word by word: enough to give translated titles that read as French or German and differ from the original.
WORDS_FR_DE = {
    "night": ("nuit", "Nacht"), "train": ("train", "Zug"), "river": ("rivière", "Fluss"),
    "garden": ("jardin", "Garten"),
    "winter": ("hiver", "Winter"), "summer": ("été", "Sommer"), "city": ("ville", "Stadt"), "island": ("île", "Insel"),
    "house": ("maison", "Haus"), "storm": ("tempête", "Sturm"), "fire": ("feu", "Feuer"), "stone": ("pierre", "Stein"),
    "lost": ("perdu", "verloren"), "secret": ("secret", "geheim"), "family": ("famille", "Familie"),
    "school": ("école", "Schule"), "wolf": ("loup", "Wolf"), "moon": ("lune", "Mond"), "sun": ("soleil", "Sonne"),
    "star": ("étoile", "Stern"), "love": ("amour", "Liebe"), "war": ("guerre", "Krieg"), "time": ("temps", "Zeit"),
    "light": ("lumière", "Licht"), "dark": ("sombre", "dunkel"), "blood": ("sang", "Blut"), "water": ("eau", "Wasser"),
    "snow": ("neige", "Schnee"), "rain": ("pluie", "Regen"), "kingdom": ("royaume", "Königreich"),
    "shadow": ("ombre", "Schatten"), "harbour": ("port", "Hafen"), "lights": ("lumières", "Lichter"),
    "silver": ("argent", "Silber"), "golden": ("doré", "golden"), "broken": ("brisé", "zerbrochen"),
}
# One tier of ratings per country system, from youngest to oldest; a title gets one tier.
TIERS = [
    {"US-TV": "TV-G", "US-MPA": "G", "DE-FSK": "FSK 0", "FR-CSA": "Tous publics", "GB-BBFC": "U"},
    {"US-TV": "TV-PG", "US-MPA": "PG", "DE-FSK": "FSK 6", "FR-CSA": "Tous publics", "GB-BBFC": "PG"},
    {"US-TV": "TV-14", "US-MPA": "PG-13", "DE-FSK": "FSK 12", "FR-CSA": "-12", "GB-BBFC": "12A"},
    {"US-TV": "TV-14", "US-MPA": "R", "DE-FSK": "FSK 16", "FR-CSA": "-16", "GB-BBFC": "15"},
    {"US-TV": "TV-MA", "US-MPA": "NC-17", "DE-FSK": "FSK 18", "FR-CSA": "-18", "GB-BBFC": "18"},
]
TIER_WEIGHTS = [15, 20, 30, 25, 10]
COUNTRY_SHARE = {"DE": 0.7, "FR": 0.5, "GB": 0.4}  # US titles are always rated
UNRATED_SHARE = 0.08
TRANSLATED_SHARE = 0.2


@dataclass(frozen=True)
class TitleMeta:
    maturity: int | None
    translations: str  # JSON
    original_title: str


class Planner:
    """Chooses each title's ratings, translations and original title as its row is written, then writes genres,
    studios, people, credits and country ratings in bulk."""

    def __init__(self, seed: int):
        from reelhouse.catalog.services import rating_systems_sync

        rating_systems_sync()
        self.rng = random.Random(seed * 7919 + 1)
        self.ratings = {(system, label): (pk, age) for pk, system, label, age in Rating.objects.values_list(
            "pk", "system__code", "label", "min_age")}
        self.rating_rows: list[tuple] = []  # (country, rating_id, series_id, work_id)
        self.translated = 0

    def _rate(self, *, series_id=None, work_id=None, us_system: str) -> int | None:
        if self.rng.random() < UNRATED_SHARE:
            return None
        tier = TIERS[self.rng.choices(range(len(TIERS)), weights=TIER_WEIGHTS)[0]]
        ages = []
        for country, system in [("US", us_system), ("DE", "DE-FSK"), ("FR", "FR-CSA"), ("GB", "GB-BBFC")]:
            if country != "US" and self.rng.random() >= COUNTRY_SHARE[country]:
                continue
            pk, age = self.ratings[(system, tier[system])]
            self.rating_rows.append((country, pk, series_id, work_id))
            ages.append(age)
        return max(ages)

    def _texts(self, title: str, synopsis: str) -> tuple[str, str]:
        if self.rng.random() >= TRANSLATED_SHARE:
            return "{}", ""
        self.translated += 1
        words = title.lower().split()
        fr = " ".join(WORDS_FR_DE.get(w, (w, w))[0] for w in words).capitalize()
        de = " ".join(WORDS_FR_DE.get(w, (w, w))[1] for w in words).title()
        fr_title = f"Le {fr}" if fr.lower() == title.lower() else fr  # always differs from the original
        de_title = f"Die {de}" if de.lower() == title.lower() else de
        texts = {"fr": {"title": fr_title, "synopsis": f"{fr_title} : {synopsis}"}, "de": {"title": de_title}}
        original = fr_title if self.rng.random() < 0.3 else ""  # a French production known abroad by its title
        return json.dumps(texts, ensure_ascii=False), original

    def series(self, *, series_id: int, title: str, synopsis: str) -> TitleMeta:
        maturity = self._rate(series_id=series_id, us_system="US-TV")
        translations, original = self._texts(title, synopsis)
        return TitleMeta(maturity, translations, original)

    def film(self, *, work_id: int, title: str, synopsis: str) -> TitleMeta:
        maturity = self._rate(work_id=work_id, us_system="US-MPA")
        translations, original = self._texts(title, synopsis)
        return TitleMeta(maturity, translations, original)

    def write(self, *, series_ids: list[int], film_ids: list[int], insert: Callable, next_id: Callable,
              report: Callable[[str, int, int], None]) -> dict:
        """Genres, studios, people and credits of every series and film, and the country ratings chosen."""
        rng, counts = self.rng, {}
        genre_ids = []
        for name in GENRES:
            genre = Genre.objects.filter(name__iexact=name).first() or Genre.objects.create(
                name=name, slug=_free_slug(Genre, slugify(name)))
            genre_ids.append(genre.pk)
        weights = _cumulative(len(genre_ids), 0.7)  # drama is common, soaps are rare

        def pick(ids, k, cum):
            return set(rng.choices(ids, cum_weights=cum, k=k))

        sg = Series.genres.through
        counts["series_genres"] = insert(sg, ["series_id", "genre_id"], (
            (sid, gid) for sid in series_ids for gid in pick(genre_ids, rng.randint(1, 3), weights)))
        fg = Film.genres.through
        counts["film_genres"] = insert(fg, ["film_id", "genre_id"], (
            (fid, gid) for fid in film_ids for gid in pick(genre_ids, rng.randint(1, 3), weights)))

        first_studio = next_id(Studio)
        names = sorted({f"{a} {b}" for a in STUDIO_WORDS for b in STUDIO_KINDS} - set(
            Studio.objects.values_list("name", flat=True)))
        taken = set(Studio.objects.values_list("slug", flat=True))
        studio_rows = [(first_studio + i, name, _slug_once(slugify(name), taken)) for i, name in enumerate(names)]
        insert(Studio, ["id", "name", "slug"], studio_rows)
        studio_ids = [row[0] for row in studio_rows]
        studio_weights = _cumulative(len(studio_ids), 1.0)
        counts["studios"] = len(studio_ids)
        insert(Series.studios.through, ["series_id", "studio_id"],
               ((sid, st) for sid in series_ids for st in pick(studio_ids, 1, studio_weights)))
        insert(Film.studios.through, ["film_id", "studio_id"],
               ((fid, st) for fid in film_ids for st in pick(studio_ids, rng.randint(1, 2), studio_weights)))

        # People: a pool about twice the number of titles, most credited once, a few stars everywhere.
        existing = set(Person.objects.values_list("name", flat=True))
        wanted = max(50, 2 * (len(series_ids) + len(film_ids)))
        people, first_person = [], next_id(Person)
        for first in FIRST:
            for initial in "ABCDEFGHJKLMNPRSTVW":
                for last in LAST:
                    name = f"{first} {initial}. {last}"
                    if name not in existing:
                        people.append(name)
        rng.shuffle(people)
        people = people[:wanted]
        report("people", 0, len(people))
        counts["people"] = insert(Person, ["id", "name"], ((first_person + i, n) for i, n in enumerate(people)),
                                  tick=lambda n: report("people", n, len(people)))
        person_ids = list(range(first_person, first_person + len(people)))
        person_weights = _cumulative(len(person_ids), 0.5)
        first_credit = next_id(Credit)

        def credit_rows():
            cid = first_credit
            for field_index, ids, roles in ((0, series_ids, (("writer", 1), ("actor", 6))),
                                            (1, film_ids, (("director", 1), ("writer", 1), ("actor", 8)))):
                for title_id in ids:
                    for role, k in roles:
                        for order, pid in enumerate(pick(person_ids, k, person_weights)):
                            character = _character(rng) if role == "actor" else ""
                            sid, fid = (title_id, None) if field_index == 0 else (None, title_id)
                            yield (cid, pid, role, character, order, sid, fid)
                            cid += 1

        total = len(series_ids) * 7 + len(film_ids) * 10
        report("credits", 0, total)
        counts["credits"] = insert(Credit, ["id", "person_id", "role", "character", "order", "series_id", "film_id"],
                                   credit_rows(), tick=lambda n: report("credits", n, total))
        report("credits", 0, counts["credits"])  # repeats drawn for a title were dropped: the bar ends full
        first_rating = next_id(TitleRating)
        counts["country_ratings"] = insert(TitleRating, ["id", "country", "rating_id", "series_id", "work_id"], (
            (first_rating + i, *row) for i, row in enumerate(self.rating_rows)))
        counts["translated_titles"] = self.translated
        return counts


def _cumulative(n: int, power: float) -> list[float]:
    """Cumulative Zipf-like weights (rank r weighs 1/r**power), so each draw costs log n, not n."""
    return list(accumulate(1 / (i + 1) ** power for i in range(n)))


def _character(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}" if rng.random() < 0.8 else rng.choice(
        ["Narrator", "Detective", "The Doctor", "Captain", "Herself", "Himself"])


def _free_slug(model, base: str) -> str:
    slug, n = base or "genre", 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _slug_once(base: str, taken: set[str]) -> str:
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug
