"""What the API sends and takes: the OpenAPI document is generated from these."""

import datetime as dt
import uuid
from typing import Literal

from django.urls import reverse
from ninja import Field, Schema

from reelhouse.catalog.artwork import KINDS, variant_path, variant_set


class ArtworkVariant(Schema):
    width: int
    type: str
    url: str


class Artwork(Schema):
    url: str = Field(description="The smallest JPEG (or the only file of an older upload).")
    variants: list[ArtworkVariant] = []


def _artwork_url(rel: str) -> str:
    return reverse("catalog:artwork", args=[rel.removeprefix("artwork/")])


def artwork(ref: str, kind: str = "poster") -> Artwork | None:
    """A stored artwork reference as URLs of its resized variants (WebP and JPEG, each width); None when none."""
    if not ref:
        return None
    if variant_set(ref) is None:
        return Artwork(url=_artwork_url(ref))
    widths = KINDS[kind].widths
    return Artwork(url=_artwork_url(variant_path(ref, widths[0], "jpg")), variants=[
        ArtworkVariant(width=w, type=mime, url=_artwork_url(variant_path(ref, w, ext)))
        for ext, mime in (("webp", "image/webp"), ("jpg", "image/jpeg")) for w in widths])


class CardOut(Schema):
    kind: Literal["series", "film", "episode"]
    id: int | None = Field(description="A series id, or the work id of a film or an episode.")
    slug: str = Field(description="A series' or film's slug (empty for an episode).")
    title: str
    subtitle: str
    year: int | None
    poster: Artwork | None
    progress_pct: int
    web_url: str


def card(c) -> CardOut:
    return CardOut(kind=c.kind, id=c.object_id, slug=c.slug, title=c.title, subtitle=c.subtitle, year=c.year,
                   poster=artwork(c.poster), progress_pct=c.progress_pct, web_url=c.url)


class GenreOut(Schema):
    name: str
    slug: str


class GenreRow(Schema):
    genre: GenreOut
    items: list[CardOut]


class HomeOut(Schema):
    continue_watching: list[CardOut]
    new_episodes: list[CardOut]
    trending: list[CardOut]
    series: list[CardOut]
    films: list[CardOut]
    my_list: list[CardOut]
    top_country: list[CardOut]
    leaving_soon: list[CardOut] = Field(description="Titles whose licences in the country all end soon.")
    country: str
    because_of: CardOut | None
    because: list[CardOut]
    genre_rows: list[GenreRow]


class SearchOut(Schema):
    query: str
    results: list[CardOut]


class SeasonOut(Schema):
    number: int
    title: str
    episode_count: int


class EpisodeOut(Schema):
    id: int
    series_slug: str
    season: int
    number: int
    code: str
    title: str
    synopsis: str
    runtime_s: int | None
    air_date: dt.date | None
    still: Artwork | None
    progress_pct: int


class PersonCredit(Schema):
    name: str
    character: str = ""


class TitleOut(Schema):
    id: int
    slug: str
    title: str
    year: int | None
    synopsis: str
    maturity: int | None
    genres: list[GenreOut]
    directors: list[PersonCredit]
    cast: list[PersonCredit]
    poster: Artwork | None
    backdrop: Artwork | None
    in_my_list: bool


class SeriesOut(TitleOut):
    following: bool
    seasons: list[SeasonOut]


class FilmOut(TitleOut):
    runtime_s: int | None


class ListedOut(Schema):
    listed: bool


class FollowingOut(Schema):
    following: bool


class ProgressOut(Schema):
    work_id: int
    position_s: float
    duration_s: float
    watched: bool
    resume_s: float = Field(description="Where a player should start (0 when barely started or finished).")


class PlaybackStartIn(Schema):
    work_id: int = Field(ge=1, le=2**62)


class PlaybackOut(Schema):
    session_id: uuid.UUID
    master_url: str = Field(description="The signed HLS master playlist; its token lasts about two heartbeats.")
    resume_s: float
    heartbeat_s: int = Field(description="Send a heartbeat this often; each answers with a fresh master_url.")


class PositionIn(Schema):
    position_s: float = Field(ge=0)
    duration_s: float = Field(ge=0)
    ended: bool = False


class HeartbeatOut(Schema):
    master_url: str


class DownloadIn(Schema):
    work_id: int = Field(ge=1, le=2**62)
    quality: str = Field("", max_length=8, description="A height such as '720'; empty: the best the plan allows.")


class DownloadOut(Schema):
    id: uuid.UUID
    work_id: int
    title: str
    quality: str
    created_at: dt.datetime
    expires_at: dt.datetime
    url: str = Field(description="A signed link to the MP4 (empty when it may not be fetched now: see problem).")
    problem: str


class ProfileOut(Schema):
    id: int
    name: str
    is_kids: bool
    max_maturity: int
    language: str
    locked: bool
    current: bool


class SubscriptionOut(Schema):
    plan: str
    max_streams: int
    max_downloads: int
    max_height: int
    state: str
    current_period_end: dt.datetime


class DeviceOut(Schema):
    id: int
    name: str
    created_at: dt.datetime


class AccountOut(Schema):
    email: str
    country: str
    subscription: SubscriptionOut | None
    profile: ProfileOut
    device: DeviceOut | None
    active_downloads: int
