"""``load_mcp_config``: the common ``mcpServers`` JSON format, one registry per server."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agentloop._exceptions import ConfigurationError
from agentloop._tools import api_name

from ._registry import MCPRegistry

__all__ = ["load_mcp_config"]

_STDIO_KEYS = frozenset({"command", "args", "env", "cwd", "type"})
_HTTP_KEYS = frozenset({"url", "headers", "type"})
_OPTIONS = frozenset({"connect_timeout", "timeout", "on_invalid_schema", "mode", "stderr"})


def load_mcp_config(path: str | os.PathLike[str], **options: Any) -> list[MCPRegistry]:
    """One :class:`MCPRegistry` per entry of the file's ``mcpServers``, prefixed with its name.

    The format is the one Claude Desktop, Claude Code and Cursor read::

        {"mcpServers": {
            "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."]},
            "search": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer ..."}}
        }}

    ``options`` (``connect_timeout=``, ``timeout=``, ``on_invalid_schema=``,
    ``mode=``) go to every registry, ``stderr=`` to the stdio ones. Raises :class:`ConfigurationError` naming the file and the
    entry for anything it cannot use; keys it does not know are refused, not
    dropped.
    """
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise ConfigurationError(
            f"load_mcp_config: unknown option(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(_OPTIONS))})"
        )
    where = os.fspath(path)
    servers = _servers(_read(where), where)
    return [_registry(name, entry, where, options) for name, entry in servers.items()]


def _read(where: str) -> Any:
    try:
        return json.loads(Path(where).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"MCP config file {where!r} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigurationError(f"MCP config file {where!r} is not readable JSON: {exc}") from None


def _servers(data: Any, where: str) -> Mapping[str, Any]:
    servers = data.get("mcpServers") if isinstance(data, Mapping) else None
    if not isinstance(servers, Mapping):
        raise ConfigurationError(
            f'{where}: expected {{"mcpServers": {{"name": {{"command": ...}} or {{"url": ...}}}}}}'
        )
    return servers


def _registry(name: str, entry: Any, where: str, options: Mapping[str, Any]) -> MCPRegistry:
    at = f"{where}: mcpServers.{name}"
    if not isinstance(entry, Mapping):
        raise ConfigurationError(f"{at} must be an object with a command or a url")
    prefix = api_name(name)
    kind = entry.get("type")
    if "url" in entry:
        _known(entry, _HTTP_KEYS, at)
        if kind not in (None, "http", "streamable-http", "streamableHttp"):
            raise ConfigurationError(
                f"{at}: transport {kind!r} is not supported; use streamable HTTP"
            )
        return MCPRegistry.http(
            _text(entry, "url", at), headers=_strings(entry, "headers", at), prefix=prefix,
            **{k: v for k, v in options.items() if k != "stderr"},  # stdio servers only
        )  # fmt: skip
    if "command" in entry:
        _known(entry, _STDIO_KEYS, at)
        args = entry.get("args", [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise ConfigurationError(f"{at}.args must be a list of strings")
        return MCPRegistry.stdio(
            _text(entry, "command", at), *args, env=_strings(entry, "env", at),
            cwd=entry.get("cwd"), prefix=prefix, **options,
        )  # fmt: skip
    raise ConfigurationError(f"{at} has neither a command (stdio) nor a url (streamable HTTP)")


def _known(entry: Mapping[str, Any], keys: frozenset[str], at: str) -> None:
    unknown = sorted(set(entry) - keys)
    if unknown:
        raise ConfigurationError(
            f"{at}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(keys))})"
        )


def _text(entry: Mapping[str, Any], key: str, at: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{at}.{key} must be a non-empty string")
    return value


def _strings(entry: Mapping[str, Any], key: str, at: str) -> dict[str, str] | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigurationError(f"{at}.{key} must map strings to strings")
    return dict(value)
