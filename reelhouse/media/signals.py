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
