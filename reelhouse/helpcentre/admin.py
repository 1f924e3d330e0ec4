from django.contrib import admin

from reelhouse.core import clock
from reelhouse.core.operator_admin import OperatorAdmin
from reelhouse.helpcentre.models import Article, Category


@admin.register(Category)
class CategoryAdmin(OperatorAdmin):
    list_display = ["name", "language", "slug", "position"]
    list_filter = ["language"]


@admin.register(Article)
class ArticleAdmin(OperatorAdmin):
    list_display = ["title", "language", "category", "published", "helpful", "not_helpful", "suggested_opens",
                    "deflected", "updated_at"]
    list_filter = ["language", "category", "published"]
    search_fields = ["title", "body"]
    readonly_fields = ["helpful", "not_helpful", "suggested_opens", "suggested_then_requested"]

    @admin.display(description="deflected")
    def deflected(self, obj) -> int:
        """Openings from the request form's suggestions not followed by a request."""
        return obj.deflected

    def save_model(self, request, obj, form, change):
        obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)
