"""The review queue for notices in the operator admin: the list by state, each notice with its decisions and
withdrawals, and a decision page (accept / reject / ask for information) that calls rights.notices.notice_decide.
Who may decide is Django's change permission on Notice (the roles give it to rights & legal)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from reelhouse.core.operator_admin import OperatorAdmin
from reelhouse.rights.counter_notices import counter_notice_court_action
from reelhouse.rights.models import CounterNotice, Notice, NoticeDecision, WorkWithdrawal
from reelhouse.rights.notices import DECISIONS, NoticeError, notice_decide


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=[(d.value, d.label) for d in DECISIONS])
    ground = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="The legal or contractual ground (sent to the claimant and the licensor).")
    facts = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}),
                            help_text="The facts and circumstances the decision rests on.")
    automated = forms.BooleanField(required=False, help_text="Automated means took or detected this decision.")


class DecisionInline(admin.TabularInline):
    model = NoticeDecision
    extra = 0
    can_delete = False
    fields = ["decided_at", "outcome", "decided_by", "automated", "ground", "restricted"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class WithdrawalInline(admin.TabularInline):
    model = WorkWithdrawal
    extra = 0
    can_delete = False
    fields = ["work", "territories", "withdrawn_at", "lifted_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class CounterNoticeInline(admin.StackedInline):
    model = CounterNotice
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in CounterNotice._meta.fields if f.name != "id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CounterNotice)
class CounterNoticeAdmin(OperatorAdmin):
    list_display = ["notice", "name", "filed_at", "restore_on", "court_action_at", "restored_at"]
    list_filter = ["restored_at", "court_action_at"]
    actions = ["report_court_action"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in CounterNotice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="The claimant reported a court action (keep the work withdrawn)",
                  permissions=["change"])
    def report_court_action(self, request, queryset):
        for counter in queryset:
            try:
                counter_notice_court_action(counter=counter, actor=request.user)
            except NoticeError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"{counter}: court action recorded; no restoration; both sides mailed.")


@admin.register(Notice)
class NoticeAdmin(OperatorAdmin):
    list_display = ["reference", "state", "channel", "claimant_name", "scope", "created_at"]
    list_filter = ["state", "channel", "scope"]
    search_fields = ["reference", "claimant_name", "claimant_email", "urls"]
    ordering = ["created_at"]  # oldest first: the queue
    inlines = [DecisionInline, WithdrawalInline, CounterNoticeInline]
    change_form_template = "admin/rights/notice/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Notice._meta.fields]  # a notice is evidence: decided on, never edited

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="rights_notice_decide"),
                *super().get_urls()]

    def decide_view(self, request, pk):
        notice = get_object_or_404(Notice, pk=pk)
        if not self.has_change_permission(request, notice):
            raise PermissionDenied
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                notice_decide(notice=notice, actor=request.user, **form.cleaned_data)
            except NoticeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Notice {notice.reference}: {form.cleaned_data['outcome']}; the statement "
                                          "of reasons was mailed to the claimant and the licensor.")
                return redirect(reverse("admin:rights_notice_change", args=[notice.pk]))
        return TemplateResponse(request, "admin/rights/notice/decide.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "notice": notice, "form": form,
            "title": f"Decide on notice {notice.reference}"})
