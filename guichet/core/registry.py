"""A registry maps a stable identifier, stored in data or the database, to a plugin."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


class Registry(Generic[T]):
    """Named plugins registered by decorator: `@validators.register("togo_plate")`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._plugins: dict[str, T] = {}

    def register(self, identifier: str) -> Callable[[T], T]:
        def decorator(plugin: T) -> T:
            if identifier in self._plugins:
                raise ImproperlyConfigured(f"{self.name}: {identifier!r} registered twice")
            self._plugins[identifier] = plugin
            return plugin

        return decorator

    def __getitem__(self, identifier: str) -> T:
        try:
            return self._plugins[identifier]
        except KeyError:
            raise KeyError(f"{self.name}: no plugin named {identifier!r}") from None

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._plugins

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._plugins))

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._plugins.items())
