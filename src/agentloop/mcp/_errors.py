"""The typed errors of the MCP integration, and the translation of the mcp package's."""

from __future__ import annotations

from agentloop._exceptions import ConfigurationError

__all__ = ["MCPConnectionError", "connect_error", "leaf", "short_error"]


class MCPConnectionError(ConfigurationError):
    """An MCP server could not be started, reached or initialized.

    A configuration error: the command, URL, headers or the server itself
    need fixing. The mcp package's own exception is the ``__cause__``.
    """


def leaf(exc: BaseException) -> BaseException:
    """The first exception inside (nested) exception groups, or ``exc`` itself."""
    inner = getattr(exc, "exceptions", None)  # an exception group (a backport on 3.10)
    while isinstance(inner, tuple) and inner and isinstance(inner[0], BaseException):
        exc = inner[0]
        inner = getattr(exc, "exceptions", None)
    return exc


def short_error(exc: BaseException) -> str:
    """``Type: message`` of the innermost failure, for messages."""
    inner = leaf(exc)
    text = str(inner) or repr(inner)
    return f"{type(inner).__name__}: {text}"


def connect_error(server: str, exc: BaseException) -> MCPConnectionError:
    """The typed error for a failure while connecting to ``server``."""
    inner = leaf(exc)
    name = type(inner).__name__
    if isinstance(inner, FileNotFoundError):
        hint = "the command was not found: check its name, its path and PATH"
    elif isinstance(inner, TimeoutError):
        hint = "no answer in time: is it an MCP server? raise connect_timeout= if it is slow"
    elif "ConnectError" in name or isinstance(inner, ConnectionError):
        hint = "nothing answers at that address: is the server running, on that port?"
    elif "Connection closed" in str(inner):
        hint = (
            "it closed the connection: a stdio server must speak JSON-RPC on stdout "
            "(logs go to stderr); see its stderr for why it stopped"
        )
    else:
        hint = "see the cause below"
    return MCPConnectionError(
        f"could not connect to MCP server {server}: {short_error(exc)}; {hint}"
    )
