"""The hook for "suggested articles" while a subscriber writes a request. The help centre (a later app) registers a
provider from its AppConfig.ready(): `suggestions_register(lambda *, text, language: [Suggestion(...), ...])`; the
request form lists what it returns (on the page, and again as the subscriber types, through /support/suggest.json).

Deflection: a suggestion's link opens the article with `?from=request`, which the provider counts as an opening and
remembers in the session; when that session then sends a request anyway, `request_sent` tells every registered
listener (`request_sent_register`), and the provider counts the opening as not deflected. Deflected = openings
minus those followed by a request."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    title: str
    url: str


_providers: list[Callable[..., list[Suggestion]]] = []
_sent_listeners: list[Callable[..., None]] = []


def suggestions_register(provider: Callable[..., list[Suggestion]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def suggestions_for(*, text: str, language: str, limit: int = 5) -> list[Suggestion]:
    """Articles that may answer `text`, from every registered provider; none until a help centre registers one."""
    found: list[Suggestion] = []
    for provider in _providers:
        found.extend(provider(text=text, language=language))
    return found[:limit]


def request_sent_register(listener: Callable[..., None]) -> None:
    """`listener(session=...)` is called after a request is sent from a browser session (deflection counting)."""
    if listener not in _sent_listeners:
        _sent_listeners.append(listener)


def request_sent(*, session) -> None:
    for listener in _sent_listeners:
        listener(session=session)
