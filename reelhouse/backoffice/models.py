"""The back office owns no data; this unmanaged model only carries the permissions of its pages (see
accounts/roles.py)."""

from django.db import models


class Dashboard(models.Model):  # noqa: DJ008 (never instantiated: no rows, no table)
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_dashboard", "Can see the operator dashboards (subscribers, plays, ingest)"),
                       ("view_revenue", "Can see the revenue dashboards and money figures")]
