"""One event loop in a daemon thread, for async code reached from sync code.

A registry whose methods are async and hold a connection (an MCP session,
say) must always run on the event loop that opened it: a fresh loop per
call (``asyncio.run``) hangs on the second call. Sync callers therefore run
such awaitables here, on one loop that lives as long as the process (the
thread is a daemon, so it never keeps the process alive).

:func:`run_on` and :func:`arun_on` run a coroutine on a given loop from any
thread or loop, which is how a connection opened in one loop is used from
another.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

from agentloop._exceptions import ConfigurationError

__all__ = ["arun_on", "portal_loop", "run_in_portal", "run_on"]

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def portal_loop() -> asyncio.AbstractEventLoop:
    """The portal's event loop, started on first use in a daemon thread."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            thread = threading.Thread(
                target=_serve, args=(loop, ready), name="agentloop-portal", daemon=True
            )
            thread.start()
            ready.wait()
            _loop = loop
        return _loop


def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    loop.run_forever()


def run_in_portal(awaitable: Awaitable[T]) -> T:
    """Run ``awaitable`` on the portal's loop and wait for its result (from sync code)."""
    return run_on(portal_loop(), awaitable)


def run_on(loop: asyncio.AbstractEventLoop, awaitable: Awaitable[T]) -> T:
    """Run ``awaitable`` on ``loop`` (running in another thread) and wait for its result.

    Raises :class:`ConfigurationError` when called from the thread running
    ``loop``, where waiting would block the loop forever.
    """
    coro = _as_coroutine(awaitable)
    if _running_loop() is loop:
        coro.close()
        raise ConfigurationError(
            "this registry's connection lives on the event loop running in this thread; "
            "a sync call here would block it forever: use the async API (await agent.arun)"
        )
    return asyncio.run_coroutine_threadsafe(coro, loop).result()


async def arun_on(loop: asyncio.AbstractEventLoop, awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` on ``loop``: directly if it is this task's loop, else across
    threads (cancelling this await cancels it there too)."""
    if _running_loop() is loop:
        return await awaitable
    future = asyncio.run_coroutine_threadsafe(_as_coroutine(awaitable), loop)
    return await asyncio.wrap_future(future)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _as_coroutine(awaitable: Awaitable[T]) -> Coroutine[Any, Any, T]:
    if asyncio.iscoroutine(awaitable):
        return awaitable

    async def wait() -> T:
        return await awaitable

    return wait()
