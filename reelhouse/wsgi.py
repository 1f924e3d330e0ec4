"""WSGI entry point used by gunicorn in the embedded default and behind nginx at scale."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
application = get_wsgi_application()
