"""The loop engine: a pure state machine and its sync and async drivers."""

from ._agent import Agent
from ._agent_streams import AgentStream, AsyncAgentStream
from ._config import AgentConfig
from ._events import (
    Event,
    ModelRequestStarted,
    ModelResponse,
    ModelRetry,
    RunFinished,
    RunStarted,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolInputDelta,
)
from ._hooks import AfterToolHook, BeforeToolHook, Deny
from ._result import RunResult
from ._rules import MODEL_RULES, ModelRules
from ._state import RunState

__all__ = [
    "MODEL_RULES",
    "AfterToolHook",
    "Agent",
    "AgentConfig",
    "AgentStream",
    "AsyncAgentStream",
    "BeforeToolHook",
    "Deny",
    "Event",
    "ModelRequestStarted",
    "ModelResponse",
    "ModelRetry",
    "ModelRules",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "RunState",
    "TextDelta",
    "ThinkingDelta",
    "ToolCallFinished",
    "ToolCallStarted",
    "ToolInputDelta",
]
