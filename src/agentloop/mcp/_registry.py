"""``MCPRegistry``: the tools of one MCP server, as an agentloop tool registry."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from types import TracebackType
from typing import IO, Any

from agentloop._context import RunContext
from agentloop._exceptions import ConfigurationError
from agentloop._tools import ToolResult, api_name
from agentloop._tools._portal import arun_on, run_in_portal, run_on
from agentloop._tools._registry import unknown_tool
from agentloop._tools._wrappers import OnInvalidSchema

from ._connection import Connection
from ._convert import listing, tool_result
from ._errors import short_error

__all__ = ["MCPRegistry"]

Stderr = IO[str] | str | os.PathLike[str] | None
_GRACE = 0.25


class MCPRegistry:
    """The tools of one MCP server (see :meth:`stdio` and :meth:`http`).

    It holds a connection, so it is an async context manager: ``async with
    registry:`` (or ``async with agent:``, which enters it) connects, in the
    current task; ``with registry:`` / ``with agent:`` connects on agentloop's
    portal event loop, for sync code. Sync and async runs both work with
    either; using it unconnected raises :class:`ConfigurationError`.

    ``prefix`` puts ``prefix_`` before every tool name. Names the API refuses
    (dots, more than 64 characters) are mapped to names it accepts, and calls
    go back to the server's own names. The tool list is cached per connection
    and listed again after ``notifications/tools/list_changed``, or when a
    call names a tool not in the cache. ``connect_timeout`` (default 10 s)
    bounds connecting; a call ends at the tool's timeout (``ctx.deadline``)
    or at ``timeout`` seconds, the sooner. A failed call becomes an
    ``is_error`` result and the run goes on; failing to connect raises
    :class:`~agentloop.mcp.MCPConnectionError`.
    """

    validates_input = False  # the agent wraps it: input is checked against the listed schema

    def __init__(
        self,
        make_client: Callable[[Callable[[Any], Any]], Any],
        *,
        name: str,
        prefix: str | None = None,
        connect_timeout: float = 10.0,
        timeout: float | None = None,
        on_invalid_schema: OnInvalidSchema = "raise",
    ) -> None:
        if prefix is not None and api_name(prefix) != prefix:
            raise ConfigurationError(
                f"invalid tool name prefix {prefix!r}: use letters, digits, '_' or '-'"
            )
        if on_invalid_schema not in ("raise", "skip"):
            raise ConfigurationError(
                f"on_invalid_schema={on_invalid_schema!r}: use 'raise' or 'skip'"
            )
        _check_seconds("connect_timeout", connect_timeout)
        if timeout is not None:
            _check_seconds("timeout", timeout)
        self._make_client = make_client
        self.name = name
        self.prefix = prefix
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.on_invalid_schema = on_invalid_schema
        self._connection: Connection | None = None
        self._entered = 0

    # --- the two transports -----------------------------------------------------------------

    @classmethod
    def stdio(
        cls,
        command: str,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        prefix: str | None = None,
        stderr: Stderr = None,
        connect_timeout: float = 10.0,
        timeout: float | None = None,
        on_invalid_schema: OnInvalidSchema = "raise",
        mode: str = "auto",
    ) -> MCPRegistry:
        """A server started as ``command *args``, spoken to over its stdin and stdout.

        ``env`` is added to a minimal default environment (as the mcp package
        does); ``stderr`` is where the server's stderr goes: None inherits
        ours, a path appends to that file (``os.devnull`` drops it), an open
        text file is written to. ``mode="legacy"`` forces the initialize
        handshake of protocol versions before 2026-07-28.
        """
        from mcp import Client, StdioServerParameters

        _require(command, "command")
        params = StdioServerParameters(
            command=command,
            args=list(args),
            env=dict(env) if env else None,
            cwd=os.fspath(cwd) if cwd is not None else None,
        )
        _check_stderr(stderr)

        @contextlib.asynccontextmanager
        async def make(handler: Any) -> AsyncIterator[Any]:
            from mcp.client.stdio import stdio_client

            with _errlog(stderr) as errlog:
                transport = stdio_client(params, errlog=errlog)
                async with Client(transport, message_handler=handler, mode=mode) as client:
                    yield client

        return cls(
            make, name=f"{command!r}", prefix=prefix, connect_timeout=connect_timeout,
            timeout=timeout, on_invalid_schema=on_invalid_schema,
        )  # fmt: skip

    @classmethod
    def http(
        cls,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        prefix: str | None = None,
        connect_timeout: float = 10.0,
        timeout: float | None = None,
        on_invalid_schema: OnInvalidSchema = "raise",
        mode: str = "auto",
    ) -> MCPRegistry:
        """A server at ``url``, over streamable HTTP, sending ``headers`` with every request."""
        from mcp import Client

        _require(url, "url")
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError(f"MCP server URL {url!r} must start with http:// or https://")
        sent = dict(headers or {})

        @contextlib.asynccontextmanager
        async def make(handler: Any) -> AsyncIterator[Any]:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            timeouts = httpx2.Timeout(30, read=300)
            async with httpx2.AsyncClient(headers=sent, timeout=timeouts) as http_client:
                transport = streamable_http_client(url, http_client=http_client)
                async with Client(transport, message_handler=handler, mode=mode) as client:
                    yield client

        return cls(
            make, name=url, prefix=prefix, connect_timeout=connect_timeout, timeout=timeout,
            on_invalid_schema=on_invalid_schema,
        )  # fmt: skip

    # --- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> MCPRegistry:
        """Connect (on this event loop); entering again only counts."""
        if self._connection is None:
            connection = Connection(self.name, self._make_client, self.connect_timeout)
            await connection.open()
            self._connection = connection
        self._entered += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Disconnect once the last entry is left (from any task: the owner task closes)."""
        self._entered = max(0, self._entered - 1)
        if self._entered == 0:
            await self.aclose()

    def __enter__(self) -> MCPRegistry:
        """Connect from sync code: the connection lives on the portal event loop."""
        return run_in_portal(self.__aenter__())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection = self._connection
        if connection is not None and connection.loop is not None:
            run_on(connection.loop, self.__aexit__(exc_type, exc, tb))

    async def aclose(self) -> None:
        """Disconnect now, whatever the number of entries."""
        connection, self._connection, self._entered = self._connection, None, 0
        if connection is not None and connection.loop is not None:
            await arun_on(connection.loop, connection.close())

    @property
    def connected(self) -> bool:
        """Whether a connection is open."""
        return self._connection is not None and self._connection.client is not None

    # --- the registry protocol ------------------------------------------------------------------

    def definitions(self, ctx: RunContext[Any] | None = None) -> list[dict[str, Any]]:
        """The server's tools (cached per connection), from sync code."""
        connection = self._require()
        return run_on(_loop(connection), self._definitions(connection))

    async def adefinitions(self, ctx: RunContext[Any] | None = None) -> list[dict[str, Any]]:
        """The server's tools (cached per connection), from async code."""
        connection = self._require()
        return await arun_on(_loop(connection), self._definitions(connection))

    def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Call tool ``name`` (as listed) from sync code; failures are is_error results."""
        connection = self._require()
        return run_on(_loop(connection), self._call(connection, name, input, ctx))

    async def acall(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Call tool ``name`` (as listed) from async code; cancelling cancels the MCP call."""
        connection = self._require()
        return await arun_on(_loop(connection), self._call(connection, name, input, ctx))

    # --- on the connection's loop ----------------------------------------------------------------

    async def _definitions(self, connection: Connection) -> list[dict[str, Any]]:
        definitions, _ = await self._listing(connection)
        return [dict(d) for d in definitions]

    async def _listing(
        self, connection: Connection
    ) -> tuple[list[dict[str, Any]], Mapping[str, str]]:
        tools = await connection.list_tools()
        if connection.listing is None or connection.tools is not tools:
            connection.listing = listing(tools, self.prefix, self.name)
        return connection.listing

    async def _call(
        self, connection: Connection, name: str, input: dict[str, Any], ctx: RunContext[Any]
    ) -> ToolResult:
        import anyio

        try:
            _, routes = await self._listing(connection)
            if name not in routes:
                connection.forget_tools()  # a tool new since the last listing?
                _, routes = await self._listing(connection)
            if name not in routes:
                return unknown_tool(name, routes)
            seconds, within = self._limit(ctx)
            with anyio.fail_after(seconds):
                result = await connection.connected().call_tool(routes[name], input)
        except TimeoutError:
            return ToolResult(f"TimeoutError: tool {name} did not finish {within}", is_error=True)
        except Exception as exc:
            return ToolResult(
                f"The MCP server {self.name} failed the call of {name}: {short_error(exc)}",
                is_error=True,
            )
        return tool_result(result)

    def _limit(self, ctx: RunContext[Any]) -> tuple[float | None, str]:
        """How long the call may take, and how to say it ran out.

        The registry's own ``timeout`` is reported as such. The run's deadline
        gets a moment of grace, so the loop's own timeout (same deadline)
        reports it, and the call is still cancelled on the server right after.
        """
        left = ctx.remaining()
        if left is not None and (self.timeout is None or left < self.timeout):
            return left + _GRACE, "before its deadline"
        return self.timeout, f"within {self.timeout or 0:g} seconds"

    def _require(self) -> Connection:
        connection = self._connection
        if connection is None:
            raise ConfigurationError(
                f"MCP server {self.name} is not connected: enter it first, "
                "`async with agent:` / `with agent:` (or `async with registry:` / "
                "`with registry:`) around the runs"
            )
        return connection

    def __repr__(self) -> str:
        prefix = f", prefix={self.prefix!r}" if self.prefix else ""
        return f"MCPRegistry({self.name}{prefix})"


def _loop(connection: Connection) -> Any:
    assert connection.loop is not None
    return connection.loop


def _require(value: object, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(
            f"an MCP server needs a {what} (a non-empty string), not {value!r}"
        )


def _check_seconds(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"{name}={value!r}: give a number of seconds above 0")


def _check_stderr(stderr: Stderr) -> None:
    if stderr is None or isinstance(stderr, (str, os.PathLike)) or hasattr(stderr, "fileno"):
        return
    raise ConfigurationError(
        f"stderr={stderr!r}: give a path, an open file (with a fileno), or None to inherit"
    )


@contextlib.contextmanager
def _errlog(stderr: Stderr) -> Iterator[Any]:
    """Where the server's stderr goes, for one connection (a path is opened for it)."""
    if stderr is None:
        yield sys.stderr
    elif isinstance(stderr, (str, os.PathLike)):
        with open(stderr, "a", encoding="utf-8") as file:
            yield file
    else:
        yield stderr
