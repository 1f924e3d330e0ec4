"""Version 1 of the API: the instance with its routers mounted; reelhouse/urls.py includes it at /api/v1/."""

from reelhouse.api import account, catalog, viewing
from reelhouse.api.base import api

api.add_router("/", catalog.router)
api.add_router("/", catalog.library)
api.add_router("/", viewing.router)
api.add_router("/", account.router)

__all__ = ["api"]
