from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reelhouse.accounts"
    label = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from reelhouse.accounts import twofactor
        from reelhouse.accounts.export import register_accounts_sections

        register_accounts_sections()
        from django.db.models.signals import m2m_changed, post_migrate

        from reelhouse.accounts import audit_hooks
        from reelhouse.accounts.models import User

        post_migrate.connect(_sync_roles, dispatch_uid="reelhouse.accounts.roles_sync")
        m2m_changed.connect(audit_hooks.on_groups_changed, sender=User.groups.through,
                            dispatch_uid="reelhouse.accounts.groups_audit")
        user_logged_in.connect(twofactor.on_signed_in, dispatch_uid="reelhouse.accounts.signed_in")

        from reelhouse.accounts import devicegrant
        from reelhouse.core import scheduler

        # TV sign-in codes an hour past their expiry (a quick delete, run in the scheduler itself).
        scheduler.periodic_register(name="accounts.device_authorizations_purge", every=3600, first=300,
                                    run=devicegrant.authorizations_purge)


def _sync_roles(sender, app_config=None, using="default", **kwargs):
    """After the last app's permissions exist (post_migrate is sent per app with models, in INSTALLED_APPS order),
    give each role's group exactly the permissions accounts/roles.py names."""
    from django.apps import apps

    if app_config is not [a for a in apps.get_app_configs() if a.models_module is not None][-1]:
        return
    from reelhouse.accounts.roles import roles_sync

    roles_sync(using=using)
