"""Events rights emits; the apps above act on them (rights never calls them: catalog, playback and notifications sit
above rights). Connected in the listeners' apps.py.

- licence_changed(sender=Licence, licence=...): a licence was saved or deleted (window, territories, downloads,
  quality). Catalog recomputes where its works are shown; playback rechecks the streams under it.
- work_withdrawn(sender=WorkWithdrawal, work_ids=[...], territories=key, reason=...): works were taken down on a
  notice, in all territories (territories '') or in those of the key (',FR,DE,'). The withdrawal rows are rights'
  and rights.rule reads them; catalog takes works withdrawn everywhere off the service (unpublished, package kept)
  and recomputes the search index; playback ends the streams the rule now refuses.
- work_restored(sender=WorkWithdrawal, work_id=..., published_at=..., reason=...): a withdrawal was lifted
  (counter-notice restoration). Catalog puts the work back as it was; playback has nothing to end.
"""

from django.dispatch import Signal

licence_changed = Signal()
work_withdrawn = Signal()
work_restored = Signal()


def licence_saved(sender, instance, raw=False, **kwargs) -> None:
    """post_save/post_delete of a Licence, as the domain event (not for fixtures being loaded)."""
    if not raw:
        licence_changed.send(sender=sender, licence=instance)
