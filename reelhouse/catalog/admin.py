from django.contrib import admin

from reelhouse.catalog.models import Episode, Film, Season, Series


class SeasonInline(admin.TabularInline):
    model = Season
    extra = 0


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "slug"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
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
    list_display = ["title", "year", "published_at"]
    search_fields = ["title"]
    raw_id_fields = ["asset", "licence"]
