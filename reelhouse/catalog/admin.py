from django.contrib import admin

from reelhouse.catalog.models import Credit, Episode, Film, Genre, MyListItem, Person, Season, Series


class SeasonInline(admin.TabularInline):
    model = Season
    extra = 0


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "slug", "maturity"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["genres"]
    inlines = [SeasonInline]


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["series", "code", "title", "air_date", "published_at"]
    list_filter = ["series"]
    search_fields = ["title", "series__title"]
    raw_id_fields = ["asset", "series", "season", "licence"]
    list_select_related = ["series", "season"]


@admin.register(Film)
class FilmAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "maturity", "published_at"]
    search_fields = ["title"]
    raw_id_fields = ["asset", "licence"]
    filter_horizontal = ["genres"]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "title_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "character", "series", "film"]
    list_filter = ["role"]
    raw_id_fields = ["person", "series", "film"]
    list_select_related = ["person", "series", "film"]


@admin.register(MyListItem)
class MyListItemAdmin(admin.ModelAdmin):
    list_display = ["profile", "series", "film", "created_at"]
    raw_id_fields = ["profile", "series", "film"]
