"""The scripted fake of the Messages API, and its httpx transport."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio.lowlevel
import httpx

from ._checks import PREFIX, VERSION_RULE, Violation, check_request, header_refusal
from ._errors import ScriptError
from ._memory import Memory
from ._recorded import RecordedRequest
from ._render import Planned, Renderer
from ._script import Script, ScriptItem, SSEStyle, ensure_item
from ._sse import chunked
from ._validate import describe

if TYPE_CHECKING:
    from agentloop import AsyncClient, Client

__all__ = ["FakeAnthropic", "Handler", "ProtocolViolationError"]

Handler = Callable[[RecordedRequest], ScriptItem]
"""Function-driven mode: decides the response to each request as it comes."""


class ProtocolViolationError(AssertionError):
    """Raised by :meth:`FakeAnthropic.assert_clean` when a request broke a rule."""


class FakeAnthropic:
    """A scripted Messages API that checks every request it receives.

    Build it from a sequence of responses (one per request, in order; see
    :mod:`agentloop.testing` for the builders) or from a function of the
    request. Use :attr:`transport` with ``httpx.Client`` or
    ``httpx.AsyncClient``, or :func:`agentloop.testing.server.serve` for a real
    local server. A request that breaks the protocol gets the HTTP 400 the API
    would send and is recorded in :attr:`violations`; leaving a ``with`` block
    raises :class:`ProtocolViolationError` if there are any.

    The checks accept exactly what the API accepts. ``round_trip=True`` adds
    agentloop's round-trip contract, which the stateless API cannot check:
    every block served comes back unchanged, and the request after a
    ``pause_turn`` reply continues the paused turn.
    """

    def __init__(
        self,
        script: Script | Iterable[ScriptItem] | Handler | None = None,
        *,
        style: SSEStyle | None = None,
        repeat: bool | None = None,
        checks: bool = True,
        round_trip: bool = False,
        seed: int = 0,
    ) -> None:
        self.handler: Handler | None = None
        self._script: list[ScriptItem] = []
        self.repeat = False
        if isinstance(script, Script):
            self._script, self.repeat = _items(script.responses), script.repeat
            style = style or script.style
        elif callable(script):
            self.handler = script
        elif script is not None:
            self._script = _items(script)
        if repeat is not None:
            self.repeat = repeat
        self.style = style or SSEStyle()
        self.checks = checks
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self._next = 0
        self._memory = Memory(round_trip)
        self._renderer = Renderer(self.style, seed)
        self._lock = threading.Lock()
        self._transport = httpx.MockTransport(self._handle)

    @classmethod
    def from_file(
        cls, path: str | Path, *, checks: bool = True, round_trip: bool = False, seed: int = 0
    ) -> FakeAnthropic:
        """A fake serving the script file at ``path``."""
        return cls(Script.load(path), checks=checks, round_trip=round_trip, seed=seed)

    def add(self, *responses: ScriptItem) -> None:
        """Append responses to the script."""
        items = _items(responses, "fake.add()")
        with self._lock:
            self._script.extend(items)

    def client(self, **client_kwargs: Any) -> Client:
        """A ready :class:`~agentloop.Client` wired to this fake.

        It has a dummy api key and the default base URL, goes through
        :attr:`transport`, and its retries never wait. ``client_kwargs`` go to
        ``Client`` (``max_retries=0``, ``api_key=...``, ``sleep=...``, ...).
        """
        from ._clients import client_for

        return client_for(self._transport, client_kwargs)

    def async_client(self, **client_kwargs: Any) -> AsyncClient:
        """A ready :class:`~agentloop.AsyncClient` wired to this fake, as :meth:`client`."""
        from ._clients import async_client_for

        return async_client_for(self._transport, client_kwargs)

    @property
    def transport(self) -> httpx.MockTransport:
        """An httpx transport for ``httpx.Client`` and ``httpx.AsyncClient`` alike."""
        return self._transport

    @property
    def remaining(self) -> int:
        """How many scripted responses have not been served yet."""
        return max(0, len(self._script) - self._next)

    def assert_clean(self) -> None:
        """Raise :class:`ProtocolViolationError` listing every rule a request broke."""
        if self.violations:
            lines = "\n".join(f"  {v}" for v in self.violations)
            raise ProtocolViolationError(
                f"{PREFIX}{len(self.violations)} protocol violation(s):\n{lines}"
            )

    def assert_consumed(self) -> None:
        """Raise :class:`ProtocolViolationError` if scripted responses were never served."""
        if self.remaining and not self.repeat:
            raise ProtocolViolationError(
                f"{PREFIX}{self.remaining} of {len(self._script)} scripted response(s) "
                f"never served "
                f"({len(self.requests)} request(s) received)"
            )

    def __enter__(self) -> FakeAnthropic:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.assert_clean()

    def respond(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Planned:
        """Record one request and plan its response (used by the transport and the server)."""
        with self._lock:
            request = RecordedRequest.build(len(self.requests) + 1, method, path, headers, body)
            self.requests.append(request)
            refusal = header_refusal(request.headers) if self.checks else None
            if refusal is not None:
                return self._refuse(request, refusal)
            problems = self._check(request)
            item = None if problems else self._take(request)
            if item is None and not problems:
                problems = [("script exhausted", self._exhausted())]
            if item is None:
                planned = self._reject(request, problems)
            else:
                planned, served = self._renderer.render(item, request)
                if served is not None:
                    self._memory.remember(served)
            planned.request_index = request.index
            return planned

    def _check(self, request: RecordedRequest) -> list[tuple[str, str]]:
        if not self.checks:
            return []
        problems = check_request(request)
        if isinstance(request.body, dict):
            problems += self._memory.check(request.body)
        return problems

    def _take(self, request: RecordedRequest) -> ScriptItem | None:
        if self.handler is not None:
            answer = self.handler(request)
            return ensure_item(answer, f"the handler's answer to request {request.index}")
        if self._next >= len(self._script):
            if not (self.repeat and self._script):
                return None
            self._next = 0
        self._next += 1
        return self._script[self._next - 1]

    def _exhausted(self) -> str:
        return (
            f"no scripted response left: all {len(self._script)} were served; give more "
            "with fake.add(...), or pass repeat=True to start over"
        )

    def _failure(self, rule: str, detail: str) -> Planned:
        """Record a failure of the fake itself (a handler that raised, say): HTTP 500."""
        with self._lock:
            self.violations.append(Violation(len(self.requests), rule, detail))
            return self._renderer.error(500, "api_error", f"{PREFIX}{rule}: {detail}")

    def _refuse(self, request: RecordedRequest, message: str) -> Planned:
        """The API's own 400 for a request it refuses before reading the body."""
        self.violations.append(Violation(request.index, VERSION_RULE, message))
        planned = self._renderer.error(400, "invalid_request_error", message)
        planned.request_index = request.index
        return planned

    def _reject(self, request: RecordedRequest, problems: list[tuple[str, str]]) -> Planned:
        self.violations += [Violation(request.index, rule, detail) for rule, detail in problems]
        message = PREFIX + "; ".join(f"{rule}: {detail}" for rule, detail in problems)
        return self._renderer.error(
            400, "invalid_request_error", f"request {request.index}: {message}"
        )

    def _handle(self, request: httpx.Request) -> httpx.Response:
        planned = self.respond(
            request.method, request.url.path, dict(request.headers), request.content
        )
        if planned.status is None:
            raise httpx.ReadError("agentloop.testing: connection reset by peer", request=request)
        stream = _PlannedStream(planned, self.style, request)
        return httpx.Response(planned.status, headers=planned.headers, stream=stream)


def _items(responses: Any, where: str = "FakeAnthropic()") -> list[ScriptItem]:
    if isinstance(responses, (str, bytes, dict)) or not isinstance(responses, Iterable):
        raise ScriptError(
            f"{where} takes a list of script items (or a Script, or a function of the "
            f"request), got {describe(responses)}; wrap a single reply in a list"
        )
    return [ensure_item(item, f"{where} item {i}") for i, item in enumerate(responses)]


class _PlannedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A planned body for sync and async clients, ending as planned."""

    def __init__(self, planned: Planned, style: SSEStyle, request: httpx.Request) -> None:
        self._planned = planned
        self._style = style if planned.sse else SSEStyle(chunking="whole")
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        yield from chunked(self._planned.parts, self._style, self._planned.request_index)
        self._end()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in chunked(self._planned.parts, self._style, self._planned.request_index):
            await anyio.lowlevel.checkpoint()
            yield chunk
        self._end()

    def _end(self) -> None:
        if self._planned.end == "reset":
            raise httpx.ReadError(
                "agentloop.testing: connection reset by peer", request=self._request
            )
        if self._planned.end == "stall":
            raise httpx.ReadTimeout("agentloop.testing: the server stalled", request=self._request)
