"""WSGI entry point used by gunicorn in the embedded default and behind nginx at scale."""

import os

from django.core.wsgi import get_wsgi_application

from reelhouse.core.heap import FreezeAfterWarmUp, freeze_loaded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
# Each gunicorn worker loads this module itself (no --preload): the freezes are the worker's (core/heap.py).
application = FreezeAfterWarmUp(get_wsgi_application())
freeze_loaded()
