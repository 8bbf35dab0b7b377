"""What the sync and async clients share: configuration, request building,
error mapping, response parsing and the stream core. No I/O here."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from . import _settings
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    StreamError,
    status_error,
)
from ._logging import MODEL_REQUEST, get_logger, info_enabled
from ._models import Message, to_param
from ._retry import RetryPolicy
from ._settings import SETTING_FIELDS, MessageParams
from ._sse import SSEDecoder
from ._streaming import MessageAccumulator
from ._versions import DEFAULT_API_VERSION, ApiVersion, check_api_version, version_problems

__all__ = [
    "API_VERSION",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "SETTING_FIELDS",
    "MessageParams",
]

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = DEFAULT_API_VERSION
"""The ``anthropic-version`` a client sends unless given ``api_version=``."""
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
_AUTH_HEADERS = ("x-api-key", "authorization")


def _json_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return to_param(value)
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


H = TypeVar("H", httpx.Client, httpx.AsyncClient)
S = TypeVar("S")


class BaseClient(Generic[H, S]):
    """Configuration and request building shared by :class:`Client` and :class:`AsyncClient`,
    whose HTTP client type is ``H`` and whose sleep function type is ``S``.

    The credential is ``api_key`` (sent as ``x-api-key``) or ``auth_token``
    (an OAuth or gateway token, sent as ``Authorization: Bearer``), never
    both; without either, ``ANTHROPIC_API_KEY``, then ``ANTHROPIC_AUTH_TOKEN``.
    ``api_version`` is the ``anthropic-version`` sent: ``"2026-10-21"`` (the
    default) or ``"2023-06-01"``; every request is checked against its
    rules before sending. ``workspace_id`` and ``user_profile_id`` are sent
    as the ``anthropic-workspace-id`` and ``anthropic-user-profile-id``
    headers. ``base_url`` defaults to ``ANTHROPIC_BASE_URL`` or
    ``https://api.anthropic.com``. Pass your own ``http_client`` (e.g. with
    a custom transport) to control connections; the client then leaves
    closing it to you. ``sleep`` is the function waited with between retries.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        auth_token: str | None = None,
        api_version: ApiVersion = DEFAULT_API_VERSION,
        base_url: str | None = None,
        max_retries: int = 2,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        default_headers: Mapping[str, str] | None = None,
        betas: Sequence[str] = (),
        workspace_id: str | None = None,
        user_profile_id: str | None = None,
        http_client: H | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: S | None = None,
    ) -> None:
        self.__credential = _credential(api_key, auth_token)
        self.api_version: ApiVersion = check_api_version(api_version)
        self._id_headers = _id_headers(workspace_id, user_profile_id)
        base = base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL
        self.base_url = base.rstrip("/")
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.default_headers = dict(default_headers or {})
        self.betas = tuple(betas)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self._owns_http = http_client is None
        self._header_cache: tuple[Any, dict[str, str]] | None = None
        self._http: H = http_client if http_client is not None else self._new_http()
        self._sleep: S = sleep if sleep is not None else self._default_sleep()

    def _new_http(self) -> H:
        raise NotImplementedError

    def _default_sleep(self) -> S:
        raise NotImplementedError

    @property
    def max_retries(self) -> int:
        return self.retry_policy.max_retries

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, api_version={self.api_version!r})"
        )

    def _headers(self, betas: Iterable[str], extra: Mapping[str, str] | None) -> dict[str, str]:
        """The request's headers: one credential header, never two (a credential
        header among ``default_headers`` or ``extra_headers`` replaces the client's).

        Without ``extra`` they are made once per client settings and copied: the
        loop asks on every request."""
        all_betas = tuple(dict.fromkeys([*self.betas, *betas]))
        if extra:
            return self._make_headers(all_betas, extra)
        key = (self.api_version, all_betas, tuple(self.default_headers.items()))
        cached = self._header_cache
        if cached is None or cached[0] != key:
            cached = self._header_cache = (key, self._make_headers(all_betas, None))
        return dict(cached[1])

    def _make_headers(
        self, all_betas: Sequence[str], extra: Mapping[str, str] | None
    ) -> dict[str, str]:
        defaults = {k.lower(): v for k, v in self.default_headers.items()}
        extras = {k.lower(): v for k, v in (extra or {}).items()}
        headers = {
            "anthropic-version": self.api_version,
            "content-type": "application/json",
            "accept": "application/json",
            **self._id_headers,
            **defaults,
        }
        if all_betas:
            headers["anthropic-beta"] = ",".join(all_betas)
        headers.update(extras)
        given = [name for name in _AUTH_HEADERS if name in headers]
        if not given:
            headers.update((self.__credential,))
        elif len(given) > 1:
            raise ConfigurationError(
                "the headers given hold both x-api-key and authorization: the API takes one "
                "credential; drop one of them"
            )
        return headers

    def _check_version(
        self, body: Mapping[str, Any], raw: Mapping[str, Any], json_text: str | None = None
    ) -> None:
        """Raise what this client's API version refuses in ``body`` (unless
        ``check_rules=False``; fields sent through ``extra_body`` are not judged).
        ``json_text`` is the body as sent (it lets the history scan be skipped)."""
        if raw.get("check_rules") is False:
            return
        extra = raw.get("extra_body") or {}
        typed = {k: v for k, v in body.items() if k not in extra} if extra else body
        problems = version_problems(typed, self.api_version, json_text=json_text)
        if problems:
            raise ConfigurationError("; ".join(f"{rule}: {detail}" for rule, detail in problems))

    def _build_request(
        self, http: httpx.Client | httpx.AsyncClient, params: MessageParams, *, stream: bool
    ) -> httpx.Request:
        raw: Mapping[str, Any] = params
        where = "stream" if stream else "create"
        body = _settings.request_body(raw, stream=stream, where=where)
        try:
            content = json.dumps(body, default=_json_default, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"request body is not JSON serializable: {exc}") from exc
        self._check_version(body, raw, content)
        betas = _settings.request_betas(body, [*self.betas, *(raw.get("betas") or ())])
        timeout = raw.get("timeout", self.timeout)
        headers = self._headers(betas, raw.get("extra_headers"))
        if stream:
            headers["accept"] = "text/event-stream"
        return http.build_request(
            "POST",
            f"{self.base_url}/v1/messages",
            content=content.encode(),
            headers=headers,
            timeout=timeout,
        )


def _credential(api_key: str | None, auth_token: str | None) -> tuple[str, str]:
    """The one credential header: from the arguments, else from the environment."""
    if api_key is not None and auth_token is not None:
        raise ConfigurationError(
            "pass api_key= or auth_token=, not both: the API takes one credential "
            "(x-api-key, or Authorization: Bearer)"
        )
    if api_key is None and auth_token is None:
        api_key = os.environ.get("ANTHROPIC_API_KEY") or None
        auth_token = None if api_key else os.environ.get("ANTHROPIC_AUTH_TOKEN") or None
    if api_key:
        return ("x-api-key", api_key)
    if auth_token:
        return ("authorization", f"Bearer {auth_token}")
    raise ConfigurationError(
        "no API key: pass api_key=... (or auth_token=... for an OAuth or gateway token), or "
        "set the ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) environment variable"
    )


def _id_headers(workspace_id: str | None, user_profile_id: str | None) -> dict[str, str]:
    headers = {}
    for name, value in (
        ("anthropic-workspace-id", workspace_id),
        ("anthropic-user-profile-id", user_profile_id),
    ):
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            option = name.removeprefix("anthropic-").replace("-", "_")
            raise ConfigurationError(f"{option} must be a non-empty string, got {value!r}")
        headers[name] = value
    return headers


def transport_error(exc: httpx.HTTPError) -> APIError:
    """Translate an httpx failure before any response into agentloop's error.

    Raise it chained to nothing: the httpx error holds the request, whose
    headers hold the API key. Its type and text are kept in the message.
    """
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"request timed out: {_describe(exc)}")
    return APIConnectionError(f"connection failed: {_describe(exc)}")


def stream_transport_error(exc: httpx.HTTPError, request_id: str | None) -> StreamError:
    """Translate an httpx failure in the middle of a stream (raise it chained to nothing)."""
    if isinstance(exc, httpx.TimeoutException):
        return StreamError(
            f"stream stalled: no data within the read timeout ({_describe(exc)})",
            request_id=request_id,
        )
    return StreamError(f"stream cut before message_stop: {_describe(exc)}", request_id=request_id)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The typed error for an HTTP error response whose body has been read."""
    request_id = response.headers.get("request-id")
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = response.text
    error_type: str | None = None
    message = f"HTTP {response.status_code}"
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            error_type = error.get("type")
            message = str(error.get("message") or message)
        request_id = request_id or body.get("request_id")
    elif body:
        message = f"HTTP {response.status_code}: {str(body)[:500]}"
    return status_error(
        status_code=response.status_code,
        error_type=error_type,
        message=message,
        request_id=request_id,
        body=body,
        headers={k.lower(): v for k, v in response.headers.items()},
    )


def parse_response(response: httpx.Response, request_id: str | None = None) -> Message:
    """The Message of a successful JSON response; a broken body raises APIResponseError."""
    try:
        return Message.model_validate_json(response.content)
    except ValidationError as exc:
        raise APIResponseError(
            f"response is not a valid Message: {exc.errors()[0]['msg']}",
            request_id=request_id or response.headers.get("request-id"),
        ) from exc


def failed_attempt(
    exc: httpx.HTTPError, *, model: str, attempt: int, stream: bool = False
) -> APIError:
    """The typed error for an attempt that got no response; logged."""
    error = transport_error(exc)
    log_request(model=model, attempt=attempt, status=None, latency=0.0,
                request_id=None, stream=stream, error=error)  # fmt: skip
    return error


def finish_attempt(
    response: httpx.Response, *, model: str, attempt: int, started: float
) -> Message:
    """The Message of a read response, or its typed error; logged either way."""
    latency = time.perf_counter() - started
    rid = response.headers.get("request-id")
    if response.status_code >= 400:
        error = error_from_response(response)
        log_request(model=model, attempt=attempt, status=response.status_code,
                    latency=latency, request_id=rid, stream=False, error=error)  # fmt: skip
        raise error
    message = parse_response(response, rid)
    log_request(model=model, attempt=attempt, status=response.status_code,
                latency=latency, request_id=rid, stream=False, message=message)  # fmt: skip
    return message


def log_request(
    *,
    model: str,
    attempt: int,
    status: int | None,
    latency: float,
    request_id: str | None,
    stream: bool,
    message: Message | None = None,
    error: BaseException | None = None,
) -> None:
    """Emit the ``model.request`` event for one attempt."""
    if not info_enabled():
        return
    fields: dict[str, Any] = {
        "model": model,
        "attempt": attempt,
        "status": status,
        "latency_ms": round(latency * 1000, 1),
        "request_id": request_id,
        "stream": stream,
    }
    if message is not None:
        fields["usage"] = message.usage.model_dump(exclude_none=True)
        fields["stop_reason"] = message.stop_reason
        reason = cache_miss_reason(message)
        if reason is not None:
            fields["cache_miss_reason"] = reason
    if error is not None:
        fields["error"] = type(error).__name__
    get_logger().info(MODEL_REQUEST, **fields)


def cache_miss_reason(message: Message) -> Any:
    """The response's ``diagnostics.cache_miss_reason``, if the API sent one.

    It says why the prompt cache was not read (the field is new in the API:
    kept as the API sends it, usually a string).
    """
    diagnostics = (message.model_extra or {}).get("diagnostics")
    if isinstance(diagnostics, Mapping):
        return diagnostics.get("cache_miss_reason")
    return None


class StreamCore:
    """Bytes of an SSE response in, decoded event dicts out, folded as they pass."""

    __slots__ = ("accumulator", "attempt", "decoder", "logged", "model", "request_id", "started")

    def __init__(self, request_id: str | None, *, model: str, attempt: int, started: float) -> None:
        self.request_id = request_id
        self.model = model
        self.attempt = attempt
        self.started = started
        self.logged = False
        self.decoder = SSEDecoder()
        self.accumulator = MessageAccumulator(request_id)

    def log(self, status: int | None, error: BaseException | None = None) -> None:
        """Emit ``model.request`` for this stream once, when it ends or fails."""
        if self.logged:
            return
        self.logged = True
        message = None
        if error is None and self.accumulator.done:
            try:
                message = self.accumulator.message()
            except APIError as exc:
                error = exc
        log_request(
            model=self.model,
            attempt=self.attempt,
            status=status,
            latency=time.perf_counter() - self.started,
            request_id=self.request_id,
            stream=True,
            message=message,
            error=error,
        )

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        """Decode a chunk; return the events it completed (after folding them in)."""
        try:
            return [self._event(sse.data) for sse in self.decoder.feed(chunk)]
        except UnicodeDecodeError as exc:
            raise StreamError(
                f"event data is not UTF-8: {exc}", request_id=self.request_id
            ) from None

    def end(self) -> list[dict[str, Any]]:
        """The body ended cleanly: dispatch a last event its blank line never
        followed, if it parses; raise if the message is incomplete."""
        try:
            events = [self._event(sse.data) for sse in self.decoder.flush()]
        except (StreamError, UnicodeDecodeError) as exc:
            raise StreamError(
                f"stream ended inside an event before message_stop: the response is "
                f"incomplete ({exc})",
                request_id=self.request_id,
            ) from None
        if not self.accumulator.done:
            raise StreamError(
                "stream ended before message_stop: the response is incomplete",
                request_id=self.request_id,
            )
        return events

    def end_before_first_event(self) -> list[dict[str, Any]]:
        """The body ended while waiting for the first event: a retryable failure."""
        try:
            return self.end()
        except StreamError as exc:
            if self.accumulator.events:
                raise
            raise APIConnectionError("stream closed before its first event") from exc

    def _event(self, data: str) -> dict[str, Any]:
        try:
            event = json.loads(data)
        except ValueError as exc:
            raise StreamError(
                f"malformed event data: {data[:200]!r}", request_id=self.request_id
            ) from exc
        if not isinstance(event, dict):
            raise StreamError(
                f"event data is not a JSON object: {data[:200]!r}", request_id=self.request_id
            )
        self.accumulator.feed(event)
        return event
