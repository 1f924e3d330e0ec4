"""The hook for "suggested articles" while a subscriber writes a request. The help centre (a later app) registers a
provider from its AppConfig.ready(): `suggestions_register(lambda *, text, language: [Suggestion(...), ...])`; the
request form lists what it returns, and `deflected` is counted by the provider when a reader leaves for an article."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    title: str
    url: str


_providers: list[Callable[..., list[Suggestion]]] = []


def suggestions_register(provider: Callable[..., list[Suggestion]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def suggestions_for(*, text: str, language: str, limit: int = 5) -> list[Suggestion]:
    """Articles that may answer `text`, from every registered provider; none until a help centre registers one."""
    found: list[Suggestion] = []
    for provider in _providers:
        found.extend(provider(text=text, language=language))
    return found[:limit]
