"""Public pages of rights: the notice form and its acknowledgement; the trusted notifiers' JSON endpoint."""

import csv
import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from reelhouse.core import clock, throttle
from reelhouse.core.plots import plot_svg
from reelhouse.rights.counter_notices import counter_notice_file
from reelhouse.rights.forms import CounterNoticeForm, NoticeForm
from reelhouse.rights.models import Notice
from reelhouse.rights.notices import NoticeError, notice_file, trusted_notifier_for
from reelhouse.rights.plots import draw_transparency
from reelhouse.rights.selectors import transparency_by_month


def notice_form(request):
    form = NoticeForm(request.POST or None)
    if request.method == "POST":
        verdict = throttle.attempt(throttle.NOTICE_CLIENT, throttle.client_address(request))
        if not verdict.allowed:
            minutes = max(1, verdict.retry_after_s // 60)
            return render(request, "rights/notice_form.html", {"form": form, "refused": _(
                "Too many notices were sent from your connection. Please try again in %(minutes)s minutes, or write "
                "to us by post.") % {"minutes": minutes}}, status=429)
        if form.is_valid():
            notice = notice_file(data=form.cleaned_data, language=(get_language() or "en")[:10])
            return render(request, "rights/notice_sent.html", {"notice": notice})
        return render(request, "rights/notice_form.html", {"form": form, "missing": form.missing()}, status=400)
    return render(request, "rights/notice_form.html", {"form": form})


def counter_notice_form(request):
    form = CounterNoticeForm(request.POST or None)
    if request.method == "POST":
        verdict = throttle.attempt(throttle.NOTICE_CLIENT, throttle.client_address(request))
        if not verdict.allowed:
            return render(request, "rights/counter_notice_form.html", {"form": form, "refused": _(
                "Too many notices were sent from your connection. Please try again in %(minutes)s minutes, or write "
                "to us by post.") % {"minutes": max(1, verdict.retry_after_s // 60)}}, status=429)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reference = data.pop("reference")
            try:
                counter = counter_notice_file(reference=reference, data=data)
            except NoticeError as exc:
                form.add_error("reference", str(exc))
            else:
                return render(request, "rights/counter_notice_sent.html", {"counter": counter})
        return render(request, "rights/counter_notice_form.html", {"form": form, "missing": form.missing()},
                      status=400)
    return render(request, "rights/counter_notice_form.html", {"form": form})


@csrf_exempt  # no cookies: the bearer token is the credential
@require_POST
def trusted_notice(request):
    """A licensor's own system files a notice: Authorization: Bearer <token>, the form's fields as JSON. 201 with
    the reference; 401 for a missing or wrong token; 400 naming every missing or wrong field."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.startswith("Bearer ") else ""
    notifier = trusted_notifier_for(token)
    if notifier is None:
        return JsonResponse({"error": "a valid trusted-notifier token is required (Authorization: Bearer <token>)"},
                            status=401, headers={"WWW-Authenticate": "Bearer"})
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError as exc:
        return JsonResponse({"error": f"the body is not JSON: {exc}"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "the body must be a JSON object"}, status=400)
    if isinstance(payload.get("urls"), list):
        payload["urls"] = "\n".join(str(u) for u in payload["urls"])
    for flag in ("good_faith", "accurate"):
        payload[flag] = "on" if payload.get(flag) is True else ""
    form = NoticeForm(payload)
    if not form.is_valid():
        return JsonResponse({"error": "the notice is incomplete or wrong",
                             "fields": {name: [str(e) for e in errors] for name, errors in form.errors.items()}},
                            status=400)
    notice = notice_file(data=form.cleaned_data, channel=Notice.Channel.TRUSTED, notifier=notifier.licensor)
    return JsonResponse({"reference": notice.reference, "state": notice.state}, status=201)


TRANSPARENCY_COLUMNS = ["month", "received", "accepted", "rejected", "needs_information", "counter_notices",
                        "restored", "median_hours_to_decision", "median_hours_to_withdrawal"]


def repeat_infringers(request):
    return render(request, "rights/repeat_infringers.html", {"limit": settings.REELHOUSE_STRIKES_BEFORE_SUSPENSION})


def transparency(request):
    return render(request, "rights/transparency.html", {"rows": transparency_by_month()})


def transparency_svg(request):
    """The report's plot (notices per month by outcome; the medians), drawn as the dashboards draw (core.plots)."""
    svg = plot_svg(name="transparency", title=_("Notices per month by outcome"), rows=transparency_by_month(),
                   now=clock.now(), draw=draw_transparency, height=5.6)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=300"
    return response


def transparency_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="reelhouse-notices.csv"'})
    writer = csv.DictWriter(response, fieldnames=TRANSPARENCY_COLUMNS)
    writer.writeheader()
    for row in transparency_by_month():
        writer.writerow({k: "" if row[k] is None else row[k] for k in TRANSPARENCY_COLUMNS})
    return response
