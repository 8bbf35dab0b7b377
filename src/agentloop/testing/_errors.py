"""The kit's own error: a script the fake cannot serve."""

from __future__ import annotations

from agentloop._exceptions import ConfigurationError

__all__ = ["ScriptError"]


class ScriptError(ConfigurationError):
    """A script, script file, builder call or handler result the fake cannot serve.

    The message names the item and what to change. It is a
    :class:`~agentloop.ConfigurationError` (and so a ``ValueError``).
    """
