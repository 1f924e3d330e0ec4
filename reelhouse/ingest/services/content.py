"""What ingest does when a delivery's content fingerprint matches the library (asked by media before it publishes):
a withdrawn work coming back is quarantined and counted as a strike against the source, and never published; the
same content as a work licensed from someone else is held until an operator decides."""

import logging

from reelhouse.ingest.models import Delivery
from reelhouse.ingest.services.pipeline import _decide, delivery_quarantine
from reelhouse.media.fingerprints.services import fingerprint_print, library_matches, match_record

log = logging.getLogger(__name__)
HELD_FOR_REVIEW = "held for review"


def on_package_vetting(sender, *, job, fingerprint, **kwargs) -> str:
    """media built the package of `job`'s delivery: a reason to hold it back (the delivery is quarantined here), or
    '' to publish it."""
    if fingerprint is None:
        return ""
    delivery = Delivery.objects.select_related("source", "licence").get(pk=job.delivery_id)
    return content_check(delivery=delivery, printed=fingerprint_print(fingerprint))


def content_check(*, delivery: Delivery, printed) -> str:
    """Compare the delivery with the library; quarantine it (and record a strike against its source) when it
    matches a withdrawn work, hold it for review when it matches another licensor's or licence's published work.
    Returns the quarantine reason, or '' when the delivery may be published."""
    from reelhouse.rights.models import WorkWithdrawal

    matches = library_matches(printed=printed, exclude_work_id=delivery.work_id)
    if not matches:
        _decide(delivery, "content", "no match in the library")
        delivery.save(update_fields=["decisions"])
        return ""
    for match in matches:
        withdrawal = (WorkWithdrawal.objects.filter(work_id=match.work_id, lifted_at__isnull=True)
                      .select_related("notice", "work").order_by("withdrawn_at").first())
        if withdrawal is None:
            continue
        work, notice = withdrawal.work, withdrawal.notice
        reason = (f"matches {work}, withdrawn after notice {notice.reference or notice.pk} "
                  f"({_how(match)})")
        match_record(delivery=delivery, match=match)
        _strike(delivery, reason=reason, work=work)
        log.warning("content: delivery #%s %s", delivery.pk, reason)
        delivery_quarantine(delivery=delivery, reason=reason)
        return reason
    if _cleared(delivery):
        _decide(delivery, "content", "same content as another licence's work, cleared by an operator")
        delivery.save(update_fields=["decisions"])
        return ""
    for match in matches:
        work = match.fingerprint.work
        if work.published_at is None or (work.licence_id == delivery.licence_id and delivery.licence_id is not None):
            continue
        licensor = work.licence.licensor if work.licence_id else "no licence on record"
        reason = (f"same content as {work} licensed from {licensor} ({_how(match)}); {HELD_FOR_REVIEW}: "
                  "retry it if this is a second licence of the same work")
        match_record(delivery=delivery, match=match)
        _decide(delivery, "content", HELD_FOR_REVIEW)
        delivery_quarantine(delivery=delivery, reason=reason)
        return reason
    _decide(delivery, "content", "matches only works of the same licence")
    delivery.save(update_fields=["decisions"])
    return ""


def _how(match) -> str:
    """'93% of its pictures, mirrored', '100% of its sound': what of the work the delivery was found to repeat."""
    mirrored = ", mirrored" if match.comparison.segments and match.comparison.mirrored else ""
    return f"{match.score:.0%} of its {match.by}{mirrored}"


def _strike(delivery: Delivery, *, reason: str, work) -> None:
    """One strike against the delivery's source per delivery caught (a retry of the same file is not another).
    Not tied to the notice: the notice's own strike (of whoever delivered the work first) is idempotent per
    notice, and this is a new offence."""
    from reelhouse.rights.models import Strike
    from reelhouse.rights.strikes import record_strike, source_key

    source_type, source_id = source_key(delivery.source)
    marker = f"delivery #{delivery.pk} "
    if not Strike.objects.filter(source_type=source_type, source_id=source_id, reason__startswith=marker).exists():
        record_strike(delivery.source, reason=f"{marker}'{delivery.path}' {reason}", work=work)


def _cleared(delivery: Delivery) -> bool:
    """An operator retried this delivery after it was held for review (it is a second licence of the content)."""
    held = False
    for decision in delivery.decisions:
        if decision.get("step") == "content" and decision.get("outcome") == HELD_FOR_REVIEW:
            held = True
        elif held and decision.get("step") == "operator" and str(decision.get("outcome", "")).startswith("retry"):
            return True
    return False
