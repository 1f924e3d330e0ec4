"""Print the nginx edge's keys.conf for REELHOUSE_EDGE_KEYS (docs/edge.md): every listed key is accepted by the
edge, the first is the one the app signs with. Write it on each edge (mode 0600) and reload nginx."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from reelhouse.playback.edge import edge_keys, nginx_keys_conf


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        try:
            keys = edge_keys()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        if not keys:
            raise CommandError("REELHOUSE_EDGE_KEYS is empty: set it to 'kid:secret' (the current key first, then "
                               "the previous one during a rotation)")
        self.stdout.write(nginx_keys_conf(keys), ending="")
