"""Events media emits: a package was published for a delivery, or its transcode failed for good."""

from django.dispatch import Signal

package_published = Signal()  # sender=TranscodeJob, job=..., asset=...
package_failed = Signal()  # sender=TranscodeJob, job=..., reason=...
package_provisional = Signal()  # sender=TranscodeJob, job=..., asset=... (a quick low rung, still growing)

# Asked before a superseded asset is removed: does anyone still play it? A receiver returns True when it does
# (playback: a live session with a heartbeat after `since`). kwargs: asset, since.
asset_in_use = Signal()
# A superseded asset is about to be deleted, inside the deleting transaction: receivers move what refers to it onto
# its work's current asset (playback ends its open sessions at `at` and re-points them, so history stays).
# kwargs: asset, replacement_id, at.
asset_retiring = Signal()

# Asked after a package is built and before it is published: may it be? kwargs: job, fingerprint (media.Fingerprint of
# the delivery, or None when the source has no video to hash). A receiver returns a reason (str) to hold the package
# back — it has then quarantined the delivery itself (ingest: the content matches a withdrawn work or another
# licensor's) — or "" to let it through. A held package is deleted, never published.
package_vetting = Signal()
