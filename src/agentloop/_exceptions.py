"""Every exception agentloop raises, in one place.

::

    AgentloopError
    ├── ConfigurationError            a mistake of the developer using agentloop
    │   └── ToolDefinitionError       a function that cannot become a tool
    ├── APIError                      the API failed or could not be reached
    │   ├── APIStatusError            an HTTP error status or an ``error`` stream event
    │   │   ├── BadRequestError           400 invalid_request_error
    │   │   ├── AuthenticationError       401 authentication_error
    │   │   ├── BillingError              402 billing_error
    │   │   ├── PermissionDeniedError     403 permission_error
    │   │   ├── NotFoundError             404 not_found_error
    │   │   ├── ConflictError             409 conflict_error
    │   │   ├── RequestTooLargeError      413 request_too_large
    │   │   ├── RateLimitError            429 rate_limit_error
    │   │   ├── InternalServerError       500-class api_error, timeout_error
    │   │   └── OverloadedError           529 overloaded_error
    │   ├── APIConnectionError        no response: DNS, refused, reset
    │   │   └── APITimeoutError       no response in time
    │   └── APIResponseError          a response that breaks the protocol
    │       └── StreamError           a stream that is malformed, cut or stalled
    └── RunError                      a run stopped by one of its limits
        ├── RequestLimitExceeded
        ├── TokenBudgetExceeded
        ├── MaxTokensExceeded
        ├── ToolRetriesExceeded
        └── HookError

    ToolError                         raised on purpose by a tool to tell the model
                                      something; never escapes the loop

An ``error`` event in the middle of a stream raises the status class its
error type maps to (an ``overloaded_error`` event raises
:class:`OverloadedError`), with ``status_code`` the status that type has over
HTTP. No exception message or attribute ever holds the API key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._loop._result import RunResult

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AgentloopError",
    "AuthenticationError",
    "BadRequestError",
    "BillingError",
    "ConfigurationError",
    "ConflictError",
    "HookError",
    "InternalServerError",
    "MaxTokensExceeded",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestLimitExceeded",
    "RequestTooLargeError",
    "RunError",
    "StreamError",
    "TokenBudgetExceeded",
    "ToolDefinitionError",
    "ToolError",
    "ToolRetriesExceeded",
    "status_error",
]


class AgentloopError(Exception):
    """Base of every error agentloop raises.

    ``result`` holds the run so far when the error ended an agent run
    (``result.messages``, ``result.state`` to resume), else ``None``.
    Every agentloop error survives ``pickle`` with its attributes.
    """

    result: RunResult | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt without calling __init__, whose required arguments vary by class.
        return (_rebuild, (type(self), self.args, self.__dict__))

    def to_json(self) -> dict[str, Any]:
        """This error as JSON-ready data (its class name, message and fields; not ``result``).

        ``AgentloopError.from_json(error.to_json())`` rebuilds an equal error.
        """
        fields = {k: v for k, v in vars(self).items() if k != "result" and not k.startswith("_")}
        return {"error": type(self).__name__, "args": list(self.args), **fields}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AgentloopError:
        """Rebuild an error from :meth:`to_json`'s dict, as its own subclass."""
        if not isinstance(data, Mapping) or not isinstance(data.get("error"), str):
            raise ConfigurationError(
                "from_json takes the dict of to_json(): a mapping with an 'error' name"
            )
        fields = {k: v for k, v in data.items() if k not in ("error", "args")}
        error_cls = _error_class(data["error"])
        if not issubclass(error_cls, cls):
            raise ConfigurationError(f"{data['error']} is not a {cls.__name__}")
        return _rebuild(error_cls, tuple(data.get("args") or ()), fields)


class ConfigurationError(AgentloopError, ValueError):
    """The library is used in a way that cannot work; the message says what to change."""


class ToolDefinitionError(ConfigurationError):
    """A function, name or schema that cannot become a tool definition."""


class APIError(AgentloopError):
    """The Messages API failed, could not be reached, or answered out of protocol."""


class APIStatusError(APIError):
    """The API answered with an error: an HTTP error status or a stream ``error`` event."""

    status_code: int
    error_type: str | None
    message: str
    request_id: str | None
    body: Any
    headers: Mapping[str, str]
    mid_stream: bool
    """Whether it arrived as an ``error`` event after a stream had started."""
    error_code: str | None = None
    """The body's ``error.details.error_code``, when the API sent one: a finer
    reason than ``error_type``."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error_type: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        error_code: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.error_type = error_type
        self.error_code = error_code if error_code is not None else _error_code(body)
        self.message = message
        self.request_id = request_id
        self.body = body
        self.headers = dict(headers or {})
        self.mid_stream = False
        super().__init__(message)

    def __str__(self) -> str:
        kind = f" {self.error_type}" if self.error_type else ""
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"{self.status_code}{kind}: {self.message}{rid}"


class BadRequestError(APIStatusError):
    """400: the request is malformed or breaks a rule of the API."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or wrong."""


class BillingError(APIStatusError):
    """402: a billing problem on the account."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this resource."""


class NotFoundError(APIStatusError):
    """404: unknown resource (often a wrong model name)."""


class ConflictError(APIStatusError):
    """409: a conflict; retried."""


class RequestTooLargeError(APIStatusError):
    """413: the request is over the size limit."""


class RateLimitError(APIStatusError):
    """429: rate limited; retried, honouring ``retry-after``."""


class InternalServerError(APIStatusError):
    """500-class: the API failed; retried."""


class OverloadedError(APIStatusError):
    """529: the API is overloaded; retried."""


class APIConnectionError(APIError):
    """No response: the connection could not be made or was lost."""


class APITimeoutError(APIConnectionError):
    """No response within the timeout."""


class APIResponseError(APIError):
    """A response that breaks the protocol (not JSON, wrong shape)."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        self.request_id = request_id
        super().__init__(message)


class StreamError(APIResponseError):
    """A stream that is malformed, ended before ``message_stop``, or stalled."""


class RunError(AgentloopError):
    """A run stopped by one of its limits; ``result`` holds the run so far."""

    def __init__(self, message: str, result: RunResult) -> None:
        self.result = result
        super().__init__(message)


class RequestLimitExceeded(RunError):
    """The run reached its limit of model requests."""


class TokenBudgetExceeded(RunError):
    """The run used more tokens than its budget."""


class MaxTokensExceeded(RunError):
    """The answer was cut at ``max_tokens`` (raised only when asked to)."""


class ToolRetriesExceeded(RunError):
    """A tool failed more times in a row than its ``max_retries`` allows."""


class HookError(RunError):
    """A tool hook raised, or returned something unusable; every call of the turn
    was answered first, so ``result.messages`` is valid to continue."""


class ToolError(Exception):
    """Raise it in a tool to answer the model with an error it can act on.

    ``content`` is a message, or a list of content blocks (text, image). The
    loop turns it into a ``tool_result`` with ``is_error: true``.
    """

    def __init__(self, content: str | Sequence[Mapping[str, Any]]) -> None:
        self.content = content
        super().__init__(content if isinstance(content, str) else "tool error")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.content,), self.__dict__)


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: BillingError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    429: RateLimitError,
    529: OverloadedError,
}

STATUS_BY_ERROR_TYPE: dict[str, int] = {  # what the API answers each error type with
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "conflict_error": 409,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


def status_error(
    *,
    status_code: int | None,
    error_type: str | None,
    message: str,
    request_id: str | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> APIStatusError:
    """Build the typed error for an HTTP status, or for a stream event's error type."""
    if status_code is None:
        status_code = STATUS_BY_ERROR_TYPE.get(error_type or "", 500)
    cls = _BY_STATUS.get(status_code)
    if cls is None:
        cls = InternalServerError if status_code >= 500 else APIStatusError
    return cls(
        message,
        status_code=status_code,
        error_type=error_type,
        request_id=request_id,
        body=body,
        headers=headers,
    )


def _error_code(body: Any) -> str | None:
    """``error.details.error_code`` of an error body (or stream ``error`` event), if any."""
    error = body.get("error") if isinstance(body, Mapping) else None
    details = error.get("details") if isinstance(error, Mapping) else None
    code = details.get("error_code") if isinstance(details, Mapping) else None
    return code if isinstance(code, str) else None


def _rebuild(
    cls: type[AgentloopError], args: tuple[Any, ...], state: Mapping[str, Any]
) -> AgentloopError:
    """An error of ``cls`` with ``args`` and attributes ``state``, without its ``__init__``."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


def _error_class(name: str) -> type[AgentloopError]:
    """The agentloop error class called ``name``."""
    found = {c.__name__: c for c in _subclasses(AgentloopError) if c.__module__ == __name__}
    if name not in found:
        raise ConfigurationError(
            f"unknown agentloop error {name!r}; expected one of {sorted(found)}"
        )
    return found[name]


def _subclasses(cls: type[AgentloopError]) -> list[type[AgentloopError]]:
    return [cls, *(s for sub in cls.__subclasses__() for s in _subclasses(sub))]
