"""What :class:`~agentloop.MessageStream` and :class:`~agentloop.AsyncMessageStream`
share: the opened stream's state, its end, and the accessors. No I/O here."""

from __future__ import annotations

from collections import deque
from typing import Any

import httpx

from ._base_client import StreamCore, stream_transport_error
from ._flow import Call, Opened
from ._models import Message

__all__ = ["StreamBase"]


class StreamBase:
    """A streamed response's state, before and after it is opened."""

    _how = "with client.stream(...)"

    def __init__(self, call: Call) -> None:
        self._call = call
        self._response: httpx.Response | None = None
        self._core: StreamCore | None = None
        self._chunks: Any = None
        self._pending: deque[dict[str, Any]] = deque()

    def _opened(self, opened: Opened) -> None:
        self._response, self._core = opened.response, opened.core
        self._chunks, self._pending = opened.chunks, deque(opened.pending)

    @property
    def request_id(self) -> str | None:
        return self._core.request_id if self._core else None

    def partial_tool_input(self, index: int) -> Any:
        """Best-effort parse of the tool input received so far for content block ``index``."""
        return self._require_core().accumulator.partial_input(index)

    def _message(self) -> Message:
        return self._require_core().accumulator.message()

    def _require_core(self) -> StreamCore:
        if self._core is None:
            raise RuntimeError(f"use the stream as a context manager: `{self._how}`")
        return self._core

    def _caught(self, exc: BaseException) -> httpx.HTTPError:
        """An httpx failure to end the stream with (see :meth:`_end`); anything
        else is logged and re-raised as it is."""
        if isinstance(exc, httpx.HTTPError):
            return exc
        self._require_core().log(self._status(), exc)
        raise exc

    def _end(self, failure: httpx.HTTPError | None) -> None:
        """Log the stream's end; for an httpx failure, raise its StreamError chained to nothing."""
        core = self._require_core()
        if failure is None:
            core.log(self._status())
            return
        error = stream_transport_error(failure, core.request_id)
        core.log(self._status(), error)
        raise error

    def _status(self) -> int | None:
        return self._response.status_code if self._response is not None else None
