"""One live connection to an MCP server, owned by one task on one event loop.

The mcp package's ``Client`` must be entered and left in the same task
("Attempted to exit cancel scope in a different task") and used only from
the loop that opened it (another loop hangs). So a connection is an *owner
task*: it enters the client, serves until told to close, then leaves it.
Whoever opens it (``async with registry`` in any task, or the portal loop
for sync code) only starts that task and waits until it is ready; calls
from other threads or loops are sent to the owner's loop.

The tool list is cached here, per connection, and marked stale by
``notifications/tools/list_changed``: through the message handler on older
sessions, through a ``subscriptions/listen`` stream (a background task for
the connection's whole life) under the 2026-07-28 protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from agentloop._logging import get_logger

from ._errors import connect_error, leaf

__all__ = ["MCP_LIST_CHANGED", "MCP_SERVER_GONE", "Connection"]

MCP_LIST_CHANGED = "mcp.tools_changed"
MCP_SERVER_GONE = "mcp.server_gone"

ClientFactory = Callable[[Callable[[Any], Any]], Any]
"""An async context manager giving a connected ``mcp.Client``, given its message handler."""


class Connection:
    """A connected ``mcp.Client`` in its owner task, and its cached tool list."""

    def __init__(self, server: str, make_client: ClientFactory, connect_timeout: float) -> None:
        self.server = server
        self._make_client = make_client
        self._connect_timeout = connect_timeout
        self.client: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._closing = asyncio.Event()
        self._error: BaseException | None = None
        self.tools: list[Any] | None = None
        self.listing: tuple[list[dict[str, Any]], Mapping[str, str]] | None = None

    # --- opening and closing (on the owner's loop) ------------------------------------

    async def open(self) -> None:
        """Start the owner task on this loop; return once connected, else raise."""
        self.loop = asyncio.get_running_loop()
        self._task = self.loop.create_task(self._own(), name=f"agentloop-mcp-{self.server}")
        try:
            await asyncio.wait_for(asyncio.shield(self._ready.wait()), self._connect_timeout)
        except BaseException as exc:
            await self._stop()
            if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
                raise connect_error(self.server, TimeoutError(
                    f"not connected within {self._connect_timeout:g} s"
                )) from None  # fmt: skip
            raise
        if self._error is not None:
            await self._stop()
            raise connect_error(self.server, self._error) from leaf(self._error)

    async def close(self) -> None:
        """Tell the owner task to leave the client, and wait until it has."""
        self._closing.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._task)

    async def _stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self._task is not None:
            with contextlib.suppress(BaseException):
                await self._task

    async def _own(self) -> None:
        import anyio

        try:
            async with (
                self._make_client(self._on_message) as client,
                anyio.create_task_group() as tg,
            ):
                self.client = client
                if _modern(client):
                    tg.start_soon(self._listen, client)
                self._ready.set()
                await _wait(self._closing)
                tg.cancel_scope.cancel()
        except Exception as exc:
            if not self._ready.is_set():
                self._error = exc
            else:
                get_logger().warning(MCP_SERVER_GONE, server=self.server, error=str(leaf(exc)))
        finally:
            self.client = None
            self._ready.set()

    # --- the tool list ------------------------------------------------------------------

    async def _on_message(self, message: Any) -> None:
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            self._stale()

    async def _listen(self, client: Any) -> None:
        try:
            async with client.listen(tools_list_changed=True) as subscription:
                async for _event in subscription:
                    self._stale()
        except Exception as exc:  # the server does not serve listen streams: fine
            get_logger().debug(MCP_LIST_CHANGED, server=self.server, listen=str(exc))

    def _stale(self) -> None:
        get_logger().info(MCP_LIST_CHANGED, server=self.server)
        self.tools = None
        self.listing = None

    async def list_tools(self) -> list[Any]:
        """The server's tools: cached, listed again after ``list_changed`` (all pages)."""
        tools = self.tools
        if tools is not None:
            return tools
        client = self.connected()
        tools, cursor = [], None
        while True:
            page = await client.list_tools(cursor=cursor, cache_mode="refresh")
            tools.extend(page.tools)
            cursor = page.next_cursor
            if cursor is None:
                break
        self.tools = tools
        self.listing = None
        return tools

    def forget_tools(self) -> None:
        """Drop the cached list (a call named a tool not in it)."""
        self.tools = None
        self.listing = None

    def connected(self) -> Any:
        """The live ``mcp.Client``; raises ConnectionError if the server went away."""
        if self.client is None:
            raise ConnectionError(f"the connection to MCP server {self.server} is closed")
        return self.client


def _modern(client: Any) -> bool:
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS

    return client.protocol_version in MODERN_PROTOCOL_VERSIONS


async def _wait(event: asyncio.Event) -> None:
    await event.wait()
