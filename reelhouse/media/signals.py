"""Events media emits: a package was published for a delivery, or its transcode failed for good."""

from django.dispatch import Signal

package_published = Signal()  # sender=TranscodeJob, job=..., asset=...
package_failed = Signal()  # sender=TranscodeJob, job=..., reason=...
package_provisional = Signal()  # sender=TranscodeJob, job=..., asset=... (a quick low rung, still growing)
