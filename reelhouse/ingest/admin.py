"""Operator admin for ingest: sources (feed tokens write-only), deliveries with the quarantine actions (assign to a
work, retry, discard: the same services as `reelhouse ingest quarantine …`), feed items, calendar links."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from reelhouse.accounts import roles
from reelhouse.core.operator_admin import OperatorAdmin
from reelhouse.ingest import services
from reelhouse.ingest.models import CalendarToken, Delivery, FeedItem, Source
from reelhouse.ingest.selectors import content_matches
from reelhouse.media.fingerprints.services import match_still
from reelhouse.media.models import FingerprintMatch
from reelhouse.media.probe import MediaError


class SourceForm(forms.ModelForm):
    """The feed token is write-only: typed in, stored encrypted, sent to the partner, never shown back."""

    new_feed_token = forms.CharField(
        required=False, label="Feed token", strip=True, max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Value sent in the auth header (e.g. 'Bearer …'). Stored encrypted and never shown again; "
                  "leave empty to keep the current one.")
    clear_feed_token = forms.BooleanField(required=False, label="Remove the stored feed token")
    feed_url = forms.URLField(required=False, max_length=2000, assume_scheme="https",
                              help_text=Source._meta.get_field("feed_url").help_text)

    class Meta:
        model = Source
        fields = ["name", "kind", "path", "feed_url", "feed_auth_header", "feed_token_origins", "feed_allowed_networks",
                  "feed_interval_s", "licensor", "licence", "enabled"]


@admin.register(Source)
class SourceAdmin(OperatorAdmin):
    form = SourceForm
    list_display = ["name", "kind", "path", "licensor", "licence", "enabled", "last_scan_at", "last_fetch_at",
                    "last_error"]
    list_filter = ["kind", "enabled", "licensor"]
    readonly_fields = ["feed_token_state", "last_scan_at", "last_fetch_at", "last_error"]

    @admin.display(description="Stored feed token")
    def feed_token_state(self, obj) -> str:
        return "set (encrypted; not shown)" if obj and obj.feed_token else "none"

    def save_model(self, request, obj, form, change):
        had_token = bool(obj.pk and Source.objects.filter(pk=obj.pk).exclude(feed_token="").exists())
        super().save_model(request, obj, form, change)
        if had_token and not obj.feed_token and not form.cleaned_data.get("clear_feed_token"):
            services.source_feed_token_dropped(source=obj, actor=request.user)
            if not form.cleaned_data.get("new_feed_token"):
                self.message_user(request, "The feed moved to another origin, so its stored token was removed (it "
                                           "was issued for the old one); enter the token for the new address.",
                                  messages.WARNING)
        if token := form.cleaned_data.get("new_feed_token"):
            services.source_feed_token_set(source=obj, token=token, actor=request.user)
        elif form.cleaned_data.get("clear_feed_token"):
            services.source_feed_token_set(source=obj, token="", actor=request.user)


def _act(modeladmin, request, queryset, action, **kwargs):
    done = 0
    for delivery in queryset.select_related("source"):
        try:
            action(delivery=delivery, actor=request.user, **kwargs)
            done += 1
        except services.IngestError as exc:
            modeladmin.message_user(request, str(exc), messages.WARNING)
    modeladmin.message_user(request, f"{done} deliveries processed")


@admin.action(description="Retry the selected held deliveries", permissions=["quarantine"])
def retry(modeladmin, request, queryset):
    _act(modeladmin, request, queryset, services.delivery_retry)


@admin.action(description="Retry as replacements (fixed files replace the current ones)", permissions=["quarantine"])
def retry_as_replacement(modeladmin, request, queryset):
    _act(modeladmin, request, queryset, services.delivery_retry, replacement=True)


@admin.action(description="Discard the selected held deliveries (files stay in place)", permissions=["quarantine"])
def discard(modeladmin, request, queryset):
    _act(modeladmin, request, queryset, services.delivery_discard)


class AssignForm(forms.Form):
    """What a held file is: an episode (series, season, episode numbers) or a film (title, year)."""

    kind = forms.ChoiceField(choices=[("episode", "Episode of a series"), ("film", "Film")], widget=forms.RadioSelect)
    series = forms.CharField(required=False, max_length=300, help_text="Series title, as in the catalog.")
    season = forms.IntegerField(required=False, min_value=0, max_value=3000, help_text="0 for specials.")
    episodes = forms.CharField(required=False, max_length=50, help_text="Episode number, or several: '3, 4'.")
    film = forms.CharField(required=False, max_length=300, label="Film title")
    year = forms.IntegerField(required=False, min_value=1870, max_value=2200)
    replacement = forms.BooleanField(required=False, help_text="A fixed file that replaces the work's current one.")

    def clean_episodes(self) -> list[int]:
        raw = self.cleaned_data["episodes"].replace(",", " ").split()
        try:
            numbers = sorted({int(n) for n in raw})
        except ValueError as exc:
            raise forms.ValidationError(f"'{self.cleaned_data['episodes']}' is not a list of episode numbers") from exc
        if any(n < 0 or n > 30000 for n in numbers):
            raise forms.ValidationError("episode numbers run from 0 to 30000")
        return numbers

    def clean(self):
        data = super().clean()
        if data.get("kind") == "film" and not data.get("film"):
            self.add_error("film", "A film needs its title.")
        if data.get("kind") == "episode":
            for name in ("series", "season"):
                if data.get(name) in (None, ""):
                    self.add_error(name, "An episode needs its series, season and episode number.")
            if not data.get("episodes") and "episodes" not in self.errors:
                self.add_error("episodes", "An episode needs its series, season and episode number.")
        return data


@admin.register(Delivery)
class DeliveryAdmin(OperatorAdmin):
    def has_quarantine_permission(self, request):
        return request.user.has_perm(roles.QUARANTINE)

    list_display = ["path", "source", "state", "reason", "size", "height", "first_seen_at", "updated_at"]
    list_filter = ["state", "source"]
    search_fields = ["path", "sha256", "reason", "origin_url"]
    # Provenance is read-only here: a delivery changes state only through the quarantine actions (services), so
    # every change is recorded in its decisions and the audit log.
    readonly_fields = ["source", "path", "state", "reason", "origin_url", "size", "mtime_ns", "sha256", "width",
                       "height", "identity", "override", "replacement", "work", "licence", "decisions",
                       "first_seen_at", "updated_at"]
    actions = [retry, retry_as_replacement, discard]
    change_form_template = "admin/ingest/delivery/change_form.html"

    def has_add_permission(self, request):
        return False  # deliveries come only from registered sources

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/assign/", wrap(self.assign_view), name="ingest_delivery_assign"),
            path("<int:object_id>/retry/", wrap(require_POST(self.retry_view)), name="ingest_delivery_retry"),
            path("<int:object_id>/discard/", wrap(require_POST(self.discard_view)), name="ingest_delivery_discard"),
            path("<int:object_id>/match/<int:match_id>/<str:side>/<int:segment>.jpg", wrap(self.match_still_view),
                 name="ingest_delivery_match_still"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        delivery = self.get_object(request, object_id)
        held = delivery is not None and delivery.state in (Delivery.State.QUARANTINED, Delivery.State.FAILED)
        matches = content_matches(delivery=delivery) if held else []
        return super().change_view(request, object_id, form_url,
                                   (extra_context or {}) | {"held": held, "content_matches": matches})

    def match_still_view(self, request, object_id, match_id, side, segment):
        """A still of one matching segment, of the held delivery or of the work it matches (side by side)."""
        delivery = self._held_delivery(request, object_id)
        match = get_object_or_404(FingerprintMatch.objects.select_related("delivery__source", "fingerprint__asset"),
                                  pk=match_id, delivery=delivery)
        if side not in ("delivery", "work"):
            raise Http404("no such side")
        try:
            jpeg = match_still(match=match, side=side, segment=segment)
        except MediaError as exc:
            raise Http404(str(exc)) from exc
        response = HttpResponse(jpeg, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response

    def _held_delivery(self, request, object_id) -> Delivery:
        if not self.has_quarantine_permission(request):
            raise PermissionDenied
        return get_object_or_404(Delivery.objects.select_related("source"), pk=object_id)

    def _back(self, delivery):
        return redirect(reverse("admin:ingest_delivery_change", args=[delivery.pk]))

    def _outcome(self, request, delivery: Delivery, done: str) -> None:
        delivery.refresh_from_db()  # the pipeline may have moved it on since (transcoded and published)
        level = messages.SUCCESS if delivery.state not in (Delivery.State.QUARANTINED, Delivery.State.FAILED) \
            else messages.WARNING
        held = level == messages.WARNING and delivery.reason
        self.message_user(request, f"{done}: now {delivery.get_state_display().lower()}"
                          + (f" ({delivery.reason})" if held else ""), level)

    def retry_view(self, request, object_id):
        delivery = self._held_delivery(request, object_id)
        try:
            delivery = services.delivery_retry(delivery=delivery, actor=request.user,
                                               replacement=bool(request.POST.get("replacement")))
            self._outcome(request, delivery, "Retried")
        except services.IngestError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        return self._back(delivery)

    def discard_view(self, request, object_id):
        delivery = self._held_delivery(request, object_id)
        try:
            delivery = services.delivery_discard(delivery=delivery, actor=request.user,
                                                 reason=request.POST.get("reason", "").strip())
            self._outcome(request, delivery, "Discarded")
        except services.IngestError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        return self._back(delivery)

    def assign_view(self, request, object_id):
        delivery = self._held_delivery(request, object_id)
        guess = delivery.override or delivery.identity or {}
        initial = {"kind": "film" if guess.get("kind") == "film" else "episode", "series": guess.get("series") or "",
                   "season": guess.get("season"), "episodes": ", ".join(str(n) for n in guess.get("episodes") or []),
                   "film": guess.get("title") if guess.get("kind") == "film" else "", "year": guess.get("year")}
        form = AssignForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            kwargs = ({"film": d["film"], "year": d["year"]} if d["kind"] == "film" else
                      {"series": d["series"], "season": d["season"], "episodes": d["episodes"], "year": d["year"]})
            try:
                delivery = services.delivery_assign(delivery=delivery, replacement=d["replacement"],
                                                    actor=request.user, **kwargs)
            except services.IngestError as exc:
                form.add_error(None, str(exc))
            else:
                self._outcome(request, delivery, "Assigned")
                return self._back(delivery)
        context = self.admin_site.each_context(request) | {
            "title": f"Assign '{delivery.path}' to a work", "delivery": delivery, "form": form,
            "opts": self.model._meta, "original": delivery,
        }
        return TemplateResponse(request, "admin/ingest/delivery/assign.html", context)


@admin.action(description="Download the selected failed items again on the next fetch", permissions=["quarantine"])
def retry_feed_items(modeladmin, request, queryset):
    done = 0
    for item in queryset:
        try:
            services.feed_item_retry(item=item, actor=request.user)
            done += 1
        except services.IngestError as exc:
            modeladmin.message_user(request, str(exc), messages.WARNING)
    modeladmin.message_user(request, f"{done} feed items will be downloaded again on the next fetch")


@admin.register(FeedItem)
class FeedItemAdmin(OperatorAdmin):
    def has_quarantine_permission(self, request):
        return request.user.has_perm(roles.QUARANTINE)

    actions = [retry_feed_items]
    list_display = ["path", "source", "state", "reason", "size", "attempts", "updated_at"]
    list_filter = ["state", "source"]
    search_fields = ["url", "path", "sha256"]
    readonly_fields = [f.name for f in FeedItem._meta.fields]


@admin.action(description="Revoke the selected calendar links", permissions=["change"])
def revoke(modeladmin, request, queryset):
    for token in queryset:
        services.calendar_token_revoke(token=token, actor=request.user)
    modeladmin.message_user(request, f"{queryset.count()} calendar links revoked")


@admin.register(CalendarToken)
class CalendarTokenAdmin(OperatorAdmin):
    """Links are made by their owner at /ops/ingest/links (the token is shown once, there); here they are only
    seen and revoked. The token itself is not stored, so it cannot be shown."""

    list_display = ["hint", "user", "label", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__email", "label", "hint"]
    readonly_fields = ["user", "hint", "created_at", "last_used_at", "revoked_at"]
    exclude = ["token_hash"]
    actions = [revoke]

    def has_add_permission(self, request):
        return False
