"""agentloop: tool-use agents on the Claude Messages API.

Plain Python functions decorated with :func:`tool` become tool definitions;
an :class:`Agent` drives the conversation with the model, running the tools
it asks for. :class:`Client` and :class:`AsyncClient` speak the HTTP API.
"""

from ._async_client import AsyncClient, AsyncMessageStream
from ._client import Client, MessageStream
from ._context import RunContext
from ._exceptions import (
    AgentloopError,
    APIConnectionError,
    APIError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BillingError,
    ConfigurationError,
    ConflictError,
    InternalServerError,
    MaxTokensExceeded,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    RequestLimitExceeded,
    RequestTooLargeError,
    RunError,
    StreamError,
    TokenBudgetExceeded,
    ToolDefinitionError,
    ToolError,
)
from ._models import (
    ContentBlock,
    DocumentBlock,
    ImageBlock,
    Message,
    MessageParam,
    RedactedThinkingBlock,
    ServerToolUseBlock,
    TextBlock,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
    UnknownBlock,
    Usage,
    WebSearchToolResultBlock,
)
from ._retry import RetryPolicy
from ._streaming import StreamEvent

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AgentloopError",
    "AsyncClient",
    "AsyncMessageStream",
    "AuthenticationError",
    "BadRequestError",
    "BillingError",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "ContentBlock",
    "DocumentBlock",
    "ImageBlock",
    "InternalServerError",
    "MaxTokensExceeded",
    "Message",
    "MessageParam",
    "MessageStream",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "RateLimitError",
    "RedactedThinkingBlock",
    "RequestLimitExceeded",
    "RequestTooLargeError",
    "RetryPolicy",
    "RunContext",
    "RunError",
    "ServerToolUseBlock",
    "StreamError",
    "StreamEvent",
    "TextBlock",
    "ThinkingBlock",
    "TokenBudgetExceeded",
    "ToolDefinitionError",
    "ToolError",
    "ToolResultBlock",
    "ToolUseBlock",
    "UnknownBlock",
    "Usage",
    "WebSearchToolResultBlock",
    "__version__",
]
