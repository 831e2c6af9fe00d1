"""The catalogue's own error, importable from anywhere in the app without an import circle."""

from __future__ import annotations


class DefinitionError(ValueError):
    """A service file is not valid; the message names the key at fault."""
