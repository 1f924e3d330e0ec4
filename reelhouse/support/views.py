"""The subscriber's side of the desk: write to support (signed in or not), follow one's requests, reply, download
one's attachments, rate a resolved request from the link in the resolution mail."""

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reelhouse.catalog.models import Work
from reelhouse.core import throttle
from reelhouse.core.http import file_response, file_under
from reelhouse.playback.selectors import device_label, playback_errors_recent
from reelhouse.support import access, attachments, conf, selectors, services
from reelhouse.support.forms import RatingForm, ReplyForm, RequestForm, VisitorRequestForm, form_stamp
from reelhouse.support.models import Attachment, Ticket
from reelhouse.support.suggestions import request_sent, suggestions_for


def _player_context(request) -> dict:
    """What the player's error screen hands over: the title, this device, the last playback errors (recomputed here
    from the work's id: nothing the page sends is taken as the context itself)."""
    source = request.GET.get("from") or request.POST.get("from") or ""
    if source not in ("player", "account"):
        return {}
    context = {"from": source}
    if source == "player":
        work_id = request.GET.get("work") or request.POST.get("work") or ""
        work = Work.objects.filter(pk=int(work_id)).first() if work_id.isdigit() and len(work_id) < 12 else None
        ua = request.headers.get("User-Agent", "")
        context |= {"device": device_label(ua), "user_agent": ua[:300]}
        code = (request.GET.get("code") or request.POST.get("code") or "")[:40]
        if code.replace("_", "").isalnum():
            context["refusal"] = code
        if work is not None:
            context |= {"work": work.pk, "title": work.display_title}
        if request.user.is_authenticated:
            context["errors"] = [{"at": e.at.isoformat(timespec="seconds"), "code": e.code, "detail": e.detail,
                                  "title": e.work.display_title if e.work else ""}
                                 for e in playback_errors_recent(user=request.user, work=work, limit=5)]
    return context


def _refused(request, form, context, verdict):
    return render(request, "support/new.html", {"form": form, "context": context, "refused": _(
        "Too many requests were sent from here. Please try again in %(minutes)s minutes.") %
        {"minutes": verdict.retry_after_minutes}}, status=429)


def new_request(request):
    """The request form: for subscribers, prefilled from the player's error screen or the account page; for visitors
    who cannot sign in, with their name and address and the anti-spam fields."""
    context = _player_context(request)
    visitor = not request.user.is_authenticated
    form_class = VisitorRequestForm if visitor else RequestForm
    if request.method != "POST":
        initial = {"shown": form_stamp()}
        if context.get("title"):
            initial["subject"] = _("Cannot play %(title)s") % {"title": context["title"]}
        suggested = suggestions_for(text=" ".join([initial.get("subject", ""), *[e["code"] for e in
                                                                                 context.get("errors", [])]]),
                                    language=get_language() or "en")
        return render(request, "support/new.html", {"form": form_class(initial=initial), "context": context,
                                                    "suggested": suggested})
    form = form_class(request.POST, request.FILES)
    identity = throttle.client_address(request) if visitor else f"user:{request.user.pk}"
    checks = [(throttle.SUPPORT_CLIENT, identity)]
    if visitor and request.POST.get("email"):
        checks.append((throttle.MAIL_ADDRESS, request.POST["email"]))
    verdict = throttle.attempt_all(*checks)
    if not verdict.allowed:
        return _refused(request, form, context, verdict)
    if not form.is_valid():
        return render(request, "support/new.html", {"form": form, "context": context}, status=400)
    data = form.cleaned_data
    source = {"player": Ticket.Source.PLAYER, "account": Ticket.Source.ACCOUNT}.get(context.get("from", ""),
                                                                                  Ticket.Source.WEB)
    try:
        ticket = services.ticket_open(
            user=None if visitor else request.user, email=data["email"] if visitor else request.user.email,
            name=data.get("name", "") if visitor else (request.user.display_name or ""),
            language=get_language() or "", subject=data["subject"], body=data["body"], source=source,
            context=context, uploads=data["files"])
    except (attachments.AttachmentRefused, services.SupportError) as exc:
        form.add_error(None, str(exc))
        return render(request, "support/new.html", {"form": form, "context": context}, status=400)
    request_sent(session=request.session)
    if visitor:
        return render(request, "support/sent.html", {"ticket": ticket, "support_email": conf.support_email()})
    return redirect("support:ticket", reference=ticket.reference)


@require_GET
def suggest(request):
    """Articles that may answer what is being written (the request form asks as the subscriber types); public like
    the form, the text cut to 300 characters."""
    found = suggestions_for(text=request.GET.get("q", "")[:300], language=get_language() or "en")
    return JsonResponse({"articles": [{"title": s.title, "url": s.url} for s in found]})


@login_required
@require_GET
def my_requests(request):
    return render(request, "support/mine.html", {"tickets": selectors.tickets_of(user=request.user)})


@access.requester_ticket
def ticket(request, ticket):
    """One request as its requester sees it (no internal notes), with a reply form."""
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.requester_message_add(ticket=ticket, body=form.cleaned_data["body"], author=request.user,
                                           uploads=form.cleaned_data["files"])
        except (attachments.AttachmentRefused, services.SupportError) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("support:ticket", reference=ticket.reference)
    return render(request, "support/ticket.html", {
        "ticket": ticket, "form": form, "thread": selectors.thread(ticket=ticket, with_notes=False)},
        status=400 if form.errors else 200)


@login_required
@require_GET
def attachment(request, pk: int):
    """An attachment, for the requester of its request or an agent (a note's files: agents only); anyone else gets
    404, as for a file that does not exist. Sent as a download, never rendered in our origin."""
    item = Attachment.objects.select_related("message__ticket").filter(pk=pk).first()
    if item is None or not access.may_see_message(request.user, item.message):
        raise Http404("No such file.")
    path = file_under(conf.files_dir() / "files", item.stored_name, missing="The file is gone.")
    response = file_response(path, content_type=item.content_type, cache_control="private, no-store")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(item.filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def rate(request, token: str):
    """The rating link of the resolution mail: the chosen score is preselected, one press sends it (a GET only
    shows the page, so link scanners in mail systems cannot rate in the subscriber's name)."""
    try:
        ticket = services.rating_ticket(token)
    except (signing.BadSignature, Ticket.DoesNotExist):
        return render(request, "support/rate.html", {"invalid": True}, status=404)
    score = request.GET.get("score", "")
    form = RatingForm(request.POST or None, initial={"score": int(score) if score in ("1", "3", "5") else None})
    if request.method == "POST" and form.is_valid():
        try:
            services.rating_record(ticket=ticket, score=form.cleaned_data["score"],
                                   comment=form.cleaned_data["comment"])
        except services.SupportError as exc:
            form.add_error(None, str(exc))
        else:
            return render(request, "support/rate.html", {"ticket": ticket, "thanks": True})
    return render(request, "support/rate.html", {"ticket": ticket, "form": form,
                                                 "action": reverse("support:rate", args=[token])})
