from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from reelhouse.accounts.models import Profile, User
from reelhouse.core.operator_admin import OperatorAdmin


class ProfileInline(admin.TabularInline):
    model = Profile
    extra = 0


@admin.register(User)
class UserAdmin(OperatorAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "country", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "display_name", "country", "language"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [ProfileInline]

