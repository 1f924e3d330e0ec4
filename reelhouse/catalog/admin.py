"""Operator admin of the catalog."""

from django.contrib import admin

from reelhouse.catalog import services
from reelhouse.catalog.models import (
    Credit,
    Episode,
    Film,
    Genre,
    MyListItem,
    Person,
    Rating,
    RatingSystem,
    Season,
    Series,
    Studio,
    TitleRating,
)
from reelhouse.core.operator_admin import OperatorAdmin

TEXT_FIELDS = {"title", "original_title", "synopsis", "translations"}


class TitleRatingInline(admin.TabularInline):
    model = TitleRating
    extra = 0
    fields = ["country", "rating"]
    autocomplete_fields = ["rating"]


class TextsIndexed:
    """Titles, original titles and translations edited here reach cards and search at once, and so does a licence
    attached, changed or cleared (rights.rule: a work without one is shown nowhere); country ratings edited here set
    the title's maturity again."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and TEXT_FIELDS & set(form.changed_data):
            services.search_entries_refresh(title=obj)
        if change and "licence" in form.changed_data:
            services.availability_refresh(work_ids=[obj.pk])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(fs.model is TitleRating and fs.has_changed() for fs in formsets):
            services.maturity_refresh(title=form.instance)


class SeasonInline(admin.TabularInline):
    model = Season
    extra = 0


@admin.register(Series)
class SeriesAdmin(TextsIndexed, OperatorAdmin):
    list_display = ["title", "year", "slug", "maturity"]
    search_fields = ["title", "original_title"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["genres", "studios"]
    inlines = [TitleRatingInline, SeasonInline]


@admin.register(Episode)
class EpisodeAdmin(TextsIndexed, OperatorAdmin):
    list_display = ["series", "code", "title", "air_date", "published_at"]
    list_filter = ["series"]
    search_fields = ["title", "series__title"]
    raw_id_fields = ["asset", "series", "season", "licence"]
    list_select_related = ["series", "season"]
    inlines = [TitleRatingInline]


@admin.register(Film)
class FilmAdmin(TextsIndexed, OperatorAdmin):
    list_display = ["title", "year", "maturity", "published_at"]
    search_fields = ["title", "original_title"]
    raw_id_fields = ["asset", "licence"]
    filter_horizontal = ["genres", "studios"]
    inlines = [TitleRatingInline]


@admin.register(Genre)
class GenreAdmin(OperatorAdmin):
    list_display = ["name", "slug", "title_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Studio)
class StudioAdmin(OperatorAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0


@admin.register(RatingSystem)
class RatingSystemAdmin(OperatorAdmin):
    list_display = ["code", "country", "name"]
    inlines = [RatingInline]


@admin.register(Rating)
class RatingAdmin(OperatorAdmin):
    list_display = ["label", "system", "min_age"]
    list_filter = ["system"]
    search_fields = ["label", "system__code", "system__country"]
    list_select_related = ["system"]


@admin.register(Person)
class PersonAdmin(OperatorAdmin):
    search_fields = ["name"]


@admin.register(Credit)
class CreditAdmin(OperatorAdmin):
    list_display = ["person", "role", "character", "series", "film"]
    list_filter = ["role"]
    raw_id_fields = ["person", "series", "film"]
    list_select_related = ["person", "series", "film"]


@admin.register(MyListItem)
class MyListItemAdmin(OperatorAdmin):
    list_display = ["profile", "series", "film", "created_at"]
    raw_id_fields = ["profile", "series", "film"]
