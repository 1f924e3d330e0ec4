"""The agents' desk: the queue, one request with the subscriber's context beside it, replies (canned or written),
internal notes, state, priority and assignment, and the service-level page. Every view is guarded by
access.agent_required (the support role's permission)."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reelhouse.accounts.roles import SUPPORT
from reelhouse.core import clock
from reelhouse.core.http import csv_response, file_response, file_under
from reelhouse.core.plots import plot_svg
from reelhouse.support import access, attachments, conf, selectors, services, sla, sla_report
from reelhouse.support.forms import AgentReplyForm, TicketUpdateForm
from reelhouse.support.inbound import raw_path
from reelhouse.support.models import InboundMail, Ticket


def _agents():
    """Staff who hold the support permission (directly, by a role, or as superusers)."""
    User = get_user_model()
    codename = SUPPORT.split(".")[1]
    return (User.objects.filter(is_active=True, is_staff=True)
            .filter(Q(is_superuser=True) | Q(groups__permissions__codename=codename)
                    | Q(user_permissions__codename=codename)).distinct().order_by("email"))


@require_GET
@access.agent_required
def queue(request):
    tab = request.GET.get("tab", "open")
    tab = tab if tab in selectors.QUEUES else "open"
    mine, unassigned = request.GET.get("mine") == "1", request.GET.get("unassigned") == "1"
    rows = selectors.queue(tab=tab, agent=request.user, mine=mine, unassigned=unassigned)
    return render(request, "support/desk_queue.html", {
        "rows": rows, "tab": tab, "tabs": list(selectors.QUEUES), "mine": mine, "unassigned": unassigned,
        "breached": sum(r.timers.breached for r in rows if r.ticket.is_open)})


def _desk_page(request, ticket, *, reply_form=None, update_form=None, error: str = "", status=200):
    return render(request, "support/desk_ticket.html", {"error": error,
        "ticket": ticket, "thread": selectors.thread(ticket=ticket, with_notes=True),
        "reply_form": reply_form or AgentReplyForm(),
        "update_form": update_form or TicketUpdateForm(agents=_agents(), initial={
            "state": ticket.state, "priority": ticket.priority, "assignee": ticket.assignee_id}),
        "canned": selectors.canned_keys(), "context": selectors.subscriber_context(ticket=ticket),
        "timers": sla.timers(ticket, now=clock.now())}, status=status)


@access.agent_required
def ticket(request, reference: str):
    """GET shows the request; POST does one of: canned (fill the reply box), reply, reply_resolve, note, update."""
    ticket = get_object_or_404(Ticket.objects.select_related("user", "assignee"), reference=reference)
    if request.method != "POST":
        return _desk_page(request, ticket)
    action = request.POST.get("action", "")
    if action == "update":
        form = TicketUpdateForm(request.POST, agents=_agents())
        if not form.is_valid():
            return _desk_page(request, ticket, update_form=form, status=400)
        data = form.cleaned_data
        assignee = _agents().filter(pk=data["assignee"]).first() if data["assignee"] else None
        services.ticket_update(ticket=ticket, agent=request.user, state=data["state"], priority=data["priority"],
                               assignee=assignee, unassign=assignee is None)
        return redirect("support:desk_ticket", reference=ticket.reference)
    form = AgentReplyForm(request.POST, request.FILES)
    if action == "canned":
        try:
            text = services.canned_render(key=request.POST.get("canned", ""), ticket=ticket,
                                          values=selectors.placeholder_values(ticket=ticket))
        except services.SupportError as exc:
            kept = AgentReplyForm(initial={"body": request.POST.get("body", "")})
            return _desk_page(request, ticket, reply_form=kept, error=str(exc), status=400)
        return _desk_page(request, ticket, reply_form=AgentReplyForm(initial={"body": text}))
    if action not in ("reply", "reply_resolve", "note") or not form.is_valid():
        return _desk_page(request, ticket, reply_form=form, status=400)
    body, uploads = form.cleaned_data["body"], form.cleaned_data["files"]
    try:
        if action == "note":
            services.note_add(ticket=ticket, agent=request.user, body=body, uploads=uploads)
        else:
            services.agent_reply(ticket=ticket, agent=request.user, body=body, uploads=uploads,
                                 resolve=action == "reply_resolve")
    except (attachments.AttachmentRefused, services.SupportError) as exc:
        form.add_error(None, str(exc))
        return _desk_page(request, ticket, reply_form=form, status=400)
    return redirect("support:desk_ticket", reference=ticket.reference)


@require_GET
@access.agent_required
def raw_mail(request, pk: int):
    """A mail exactly as the mailbox held it (what was refused or too large to read is all there), as a download."""
    record = get_object_or_404(InboundMail, pk=pk)
    path = file_under(raw_path(record.raw_name).parent, record.raw_name, missing="The raw mail is gone.")
    response = file_response(path, content_type="message/rfc822", cache_control="private, no-store")
    response["Content-Disposition"] = f'attachment; filename="{record.sha256[:16]}.eml"'
    return response


@require_GET
@access.agent_required
def sla_page(request):
    """Service levels: the targets per priority, the plot of response times, the requests past their target."""
    now = clock.now()
    rows = sla_report.weekly_rows(now=now)
    late = [r for r in selectors.queue(tab="open", now=now) if r.timers.breached]
    return render(request, "support/desk_sla.html", {
        "rows": rows, "late": late, "targets": [(p, label, *conf.SLA_HOURS[p]) for p, label in Ticket.Priority.choices],
        "hours": "-".join(t.strftime("%H:%M") for t in conf.business_hours()), "timezone": conf.timezone_name()})


@require_GET
@access.agent_required
def sla_svg(request):
    now = clock.now()
    svg = plot_svg(name="support_sla", title=_("Support response times per week"),
                   rows=sla_report.weekly_rows(now=now), now=now, height=5.2,
                   draw=lambda fig, rows, at: sla_report.draw(fig, rows, at, target_h=conf.SLA_HOURS["normal"][0]))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
@access.agent_required
def sla_csv(request):
    return csv_response(sla_report.weekly_rows(now=clock.now()), filename="reelhouse-support-sla.csv")
