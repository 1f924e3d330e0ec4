"""What apps above catalog add to a film's page without catalog importing them: each registers a provider (in its
apps.py) that returns a rendered block for a title and the request (playback: the download button). Catalog's view
calls them; template tags query nothing."""

from collections.abc import Callable

from django.utils.safestring import SafeString

TitleExtra = Callable[..., SafeString | str]  # (*, request, work) -> rendered HTML ('' for nothing)
_providers: dict[str, TitleExtra] = {}


def title_extra_register(name: str, provider: TitleExtra) -> None:
    """Register (or replace, by name: apps.ready may run twice in tests) a block shown on a title's page."""
    _providers[name] = provider


def title_extras(*, request, work) -> list[SafeString | str]:
    """The registered blocks for this title, in registration order, empty ones left out."""
    return [html for provider in _providers.values() if (html := provider(request=request, work=work))]
