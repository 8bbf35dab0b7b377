"""Bridges between sync and async code, used by tools and registry adapters."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio.to_thread

__all__ = ["in_worker_thread", "is_awaitable", "run_awaitable"]

T = TypeVar("T")

_PLAIN = frozenset({str, int, float, bool, type(None), dict, list, tuple, bytes})


def is_awaitable(value: object) -> bool:
    """:func:`inspect.isawaitable`, without its ABC check for the plain values tools return."""
    return type(value) not in _PLAIN and inspect.isawaitable(value)


def run_awaitable(awaitable: Awaitable[T]) -> T:
    """Run ``awaitable`` to completion in this thread with :func:`asyncio.run`.

    Raises :class:`RuntimeError` (after closing the awaitable, if it is a
    coroutine) when an event loop is already running in this thread: async
    code must then go through the async API instead.
    """
    import asyncio  # only when a sync caller meets async code

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(awaitable))
    if inspect.iscoroutine(awaitable):
        awaitable.close()
    raise RuntimeError(
        "cannot run async code synchronously inside a running event loop; "
        "use the async API (acall / acall_tool) instead"
    )


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def in_worker_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking ``func(*args, **kwargs)`` in a worker thread and await its result."""
    return await anyio.to_thread.run_sync(
        functools.partial(func, *args, **kwargs), abandon_on_cancel=True
    )
