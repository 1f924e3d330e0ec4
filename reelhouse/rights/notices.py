"""Notices and takedowns: filing a notice (public form or a trusted notifier), the review states, decisions with a
statement of reasons (DSA Article 17), and the withdrawal an accepted notice causes. Every state change goes to the
audit trail; every step is mailed to the claimant in the language they wrote in."""

import hashlib
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _

from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.rights import rule, signals
from reelhouse.rights.models import Licensor, Notice, NoticeDecision, TrustedNotifier, WorkWithdrawal, territory_key
from reelhouse.rights.strikes import strikes_for_withdrawal

# Which states a notice may move to from each state (the review queue's workflow).
TRANSITIONS = {
    Notice.State.RECEIVED: {Notice.State.NEEDS_INFORMATION, Notice.State.ACCEPTED, Notice.State.REJECTED},
    Notice.State.NEEDS_INFORMATION: {Notice.State.RECEIVED, Notice.State.ACCEPTED, Notice.State.REJECTED,
                                     Notice.State.CLOSED},
    Notice.State.ACCEPTED: {Notice.State.COUNTERED, Notice.State.CLOSED},
    Notice.State.REJECTED: {Notice.State.CLOSED},
    Notice.State.COUNTERED: {Notice.State.RESTORED, Notice.State.CLOSED},
    Notice.State.RESTORED: {Notice.State.CLOSED},
    Notice.State.CLOSED: set(),
}
DECISIONS = (Notice.State.ACCEPTED, Notice.State.REJECTED, Notice.State.NEEDS_INFORMATION)


class NoticeError(Exception):
    """A step the notice's state or content does not allow; the message says what to do."""


# Which works a claimed page shows is catalog's knowledge (catalog sits above rights): it registers a resolver at
# ready(), called with the page's URL name, its arguments and the scope claimed; it answers the works or None.
_url_resolvers: list = []


def url_resolver_register(resolver) -> None:
    if resolver not in _url_resolvers:
        _url_resolvers.append(resolver)


def works_for_url(url: str, scope: str) -> list:
    """The works an exact Reelhouse URL names, widened to the scope claimed (see the registered resolvers). Raises
    NoticeError naming the URL when it does not name works in that scope."""
    parts = urlsplit(url.strip())
    site = urlsplit(settings.SITE_URL)
    if parts.netloc and parts.netloc != site.netloc:
        raise NoticeError(_("%(url)s is not an address on this service (%(site)s).") % {"url": url,
                                                                                       "site": site.netloc})
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        raise NoticeError(_("%(url)s is not a page of this service.") % {"url": url}) from None
    for resolver in _url_resolvers:
        works = resolver(match.view_name, match.kwargs, str(scope))
        if works:
            return works
    raise NoticeError(_("%(url)s does not show a %(scope)s of this service (use a title page or a play page of "
                        "it).") % {"url": url, "scope": Notice.Scope(scope).label.lower()})


def notice_works(notice: Notice) -> list:
    """Every work the notice names, once each."""
    seen = {}
    for url in notice.url_list:
        for work in works_for_url(url, notice.scope):
            seen.setdefault(work.pk, work)
    return list(seen.values())


def _mail(*, to: str, subject: str, template: str, context: dict) -> None:
    from reelhouse.core.mailing import mail_queue

    if to and "@" in to:
        mail_queue(to=to, subject=subject, text=render_to_string(template, context))  # no kind: always sent


def _set_state(notice: Notice, state: str, *, actor=None, **detail) -> Notice:
    if state not in TRANSITIONS[Notice.State(notice.state)]:
        raise NoticeError(f"notice {notice} is {notice.get_state_display().lower()}; it cannot become {state}")
    before = notice.state
    notice.state = state
    notice.save(update_fields=["state"])
    audit_record(action=f"notice.{state}", subject=notice, actor=actor, before=before, after=state, **detail)
    return notice


@transaction.atomic
def notice_file(*, data: dict, channel: str = Notice.Channel.FORM, notifier: Licensor | None = None,
                language: str = "en") -> Notice:
    """Record a complete notice (the form or the API checked it), give it its reference and acknowledge it."""
    notice = Notice.objects.create(channel=channel, notifier=notifier, language=language, **data)
    notice.reference = f"RH-{notice.created_at:%Y}-{notice.pk:06d}"
    notice.save(update_fields=["reference"])
    audit_record(action="notice.received", subject=notice, reference=notice.reference, channel=channel,
                 notifier=notifier.name if notifier else "", scope=notice.scope, urls=notice.url_list)
    with translation.override(notice.language):
        _mail(to=notice.claimant_email,
              subject=_("We received your notice %(reference)s") % {"reference": notice.reference},
              template="rights/email_notice_received.txt", context={"notice": notice})
    return notice


def _statement(notice: Notice, *, outcome: str, ground: str, facts: str, automated: bool, restricted: str) -> str:
    with translation.override(notice.language):
        return render_to_string("rights/email_statement_of_reasons.txt", {
            "notice": notice, "outcome": outcome, "accepted": outcome == Notice.State.ACCEPTED,
            "needs_information": outcome == Notice.State.NEEDS_INFORMATION, "ground": ground, "facts": facts,
            "automated": automated, "restricted": restricted, "site": settings.SITE_URL})


@transaction.atomic
def notice_decide(*, notice: Notice, outcome: str, actor=None, ground: str, facts: str,
                  automated: bool = False) -> NoticeDecision:
    """Decide a notice: accept (withdraw the works in the scope claimed, at once), reject, or ask for information.
    The statement of reasons goes to the claimant and to the licensor of each work named."""
    if outcome not in DECISIONS:
        raise NoticeError(f"{outcome} is not a decision; choose one of {', '.join(DECISIONS)}")
    if not ground.strip() or not facts.strip():
        raise NoticeError("a decision needs its ground and the facts it rests on (they go to the claimant)")
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    works = notice_works(notice)
    restricted = ""
    if outcome == Notice.State.ACCEPTED:
        now, where_key = clock.now(), territory_key(notice.territories)
        for work in works:
            WorkWithdrawal.objects.get_or_create(work=work, notice=notice, defaults={
                "territories": where_key, "withdrawn_at": now, "published_at_before": work.published_at})
        taken = [w.pk for w in works if w.published_at is not None]
        # Rights decided and recorded; catalog takes the works off (all territories) or recomputes where they are
        # shown, playback ends the streams the rule now refuses (rights.signals).
        signals.work_withdrawn.send(sender=WorkWithdrawal, work_ids=[w.pk for w in works], territories=where_key,
                                    reason=f"notice {notice.reference} accepted")
        with translation.override(notice.language):
            where = (_("in these territories: %(codes)s") % {"codes": ", ".join(sorted(rule.codes(where_key)))}
                     if where_key else _("in all territories"))
            restricted = _("%(titles)s: no longer available to stream or download %(where)s.") % {
                "titles": ", ".join(str(w) for w in works), "where": where}
        audit_record(action="notice.withdrawn", subject=notice, actor=actor, works=[w.pk for w in works],
                     were_shown=taken)
        strikes_for_withdrawal(works=works, notice=notice, actor=actor)  # repeat-infringer policy
    statement = _statement(notice, outcome=outcome, ground=ground, facts=facts, automated=automated,
                           restricted=restricted)
    decision = NoticeDecision.objects.create(notice=notice, outcome=outcome,
                                             decided_by=actor if getattr(actor, "is_authenticated", False) else None,
                                             ground=ground, facts=facts, automated=automated,
                                             restricted=restricted, statement=statement)
    _set_state(notice, outcome, actor=actor, ground=ground, automated=automated, decision=decision.pk)
    with translation.override(notice.language):
        subject = _("Decision on your notice %(reference)s") % {"reference": notice.reference}
    from reelhouse.core.mailing import mail_queue

    mail_queue(to=notice.claimant_email, subject=subject, text=statement)
    contacts = {w.licence.licensor.contact_email for w in works if w.licence_id and w.licence.licensor.contact_email}
    for contact in sorted(contacts):
        mail_queue(to=contact, subject=f"Decision on notice {notice.reference} about your works", text=statement)
    return decision


# Trusted notifiers: a licensor's own system files with a bearer token; only its SHA-256 is stored.

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def trusted_notifier_token_issue(*, licensor: Licensor, actor=None) -> str:
    """A new token for the licensor's system (shown once); any earlier token stops working."""
    token = "rhn_" + secrets.token_urlsafe(32)
    TrustedNotifier.objects.update_or_create(licensor=licensor, defaults={
        "token_sha256": _token_hash(token), "active": True, "created_at": clock.now()})
    audit_record(action="trusted_notifier.token_issued", subject=licensor, actor=actor)
    return token


def trusted_notifier_for(token: str) -> TrustedNotifier | None:
    """The active notifier a bearer token belongs to, or None."""
    if not token:
        return None
    return (TrustedNotifier.objects.filter(token_sha256=_token_hash(token), active=True)
            .select_related("licensor").first())
