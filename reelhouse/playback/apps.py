from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class PlaybackConfig(AppConfig):
    name = "reelhouse.playback"
    label = "playback"

    def ready(self):
        from django.core import checks

        from reelhouse.playback import edge, export

        checks.register(edge.edge_settings_check)  # an edge URL needs its keys (docs/edge.md)

        export.register()  # this app's part of the personal data export
        from reelhouse.catalog.title_extras import title_extra_register
        from reelhouse.playback.blocks import download_button_html

        title_extra_register("playback.download_button", download_button_html)  # on a film's page
        from reelhouse.catalog.viewing import viewing_register
        from reelhouse.playback import viewing

        viewing_register(viewing.PROVIDER)  # continue watching, progress, popularity, trending for catalog
        # Revocation is active: these events end the affected streams at once (see receivers.py).
        from django.contrib.auth.signals import user_logged_out

        from reelhouse.accounts.signals import signed_out_everywhere
        from reelhouse.billing.models import Subscription
        from reelhouse.catalog.models import Episode, Film, Work
        from reelhouse.playback import receivers
        from reelhouse.rights import signals as rights_signals

        for signal in (post_save, post_delete):
            signal.connect(receivers.subscription_changed, sender=Subscription,
                           dispatch_uid=f"playback.subscription.{signal is post_save}")
            for model in (Work, Episode, Film):  # post_save names the concrete class saved
                signal.connect(receivers.work_changed, sender=model,
                               dispatch_uid=f"playback.work.{model.__name__}.{signal is post_save}")
        signed_out_everywhere.connect(receivers.signed_out_everywhere, dispatch_uid="playback.signed_out")
        user_logged_out.connect(receivers.signed_out_here, dispatch_uid="playback.signed_out_here")
        rights_signals.licence_changed.connect(receivers.licence_changed, dispatch_uid="playback.licence")
        rights_signals.work_withdrawn.connect(receivers.work_withdrawn, dispatch_uid="playback.withdrawn")
        # media asks playback before it removes a superseded asset, and playback moves that asset's sessions.
        from reelhouse.media import signals as media_signals

        media_signals.asset_in_use.connect(receivers.asset_in_use, dispatch_uid="playback.asset_in_use")
        media_signals.asset_retiring.connect(receivers.asset_retiring, dispatch_uid="playback.asset_retiring")
