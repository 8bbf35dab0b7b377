"""The loop engine: a pure state machine, the run flow, its stepping seam and two drivers."""

from ._agent import Agent
from ._agent_streams import AgentStream, AsyncAgentStream
from ._config import AgentConfig
from ._events import (
    Event,
    ModelRequestStarted,
    ModelResponse,
    ModelRetry,
    PartialOutput,
    RunFinished,
    RunStarted,
    StepFinished,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolInputDelta,
)
from ._hooks import AfterToolHook, BeforeToolHook, Deny
from ._outcome import Approve, Decision, Defer, ToolCallOutcome
from ._output import OutputMode
from ._output_errors import OutputError, OutputRefused, OutputTruncated, OutputValidationError
from ._result import RunResult
from ._rules import MODEL_RULES, ModelRules, register_model_rules
from ._run import Run
from ._state import AWAITING_APPROVAL, CallModel, Finish, RunState, RunTools

__all__ = [
    "AWAITING_APPROVAL",
    "MODEL_RULES",
    "AfterToolHook",
    "Agent",
    "AgentConfig",
    "AgentStream",
    "Approve",
    "AsyncAgentStream",
    "BeforeToolHook",
    "CallModel",
    "Decision",
    "Defer",
    "Deny",
    "Event",
    "Finish",
    "ModelRequestStarted",
    "ModelResponse",
    "ModelRetry",
    "ModelRules",
    "OutputError",
    "OutputMode",
    "OutputRefused",
    "OutputTruncated",
    "OutputValidationError",
    "PartialOutput",
    "Run",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "RunState",
    "RunTools",
    "StepFinished",
    "TextDelta",
    "ThinkingDelta",
    "ToolCallFinished",
    "ToolCallOutcome",
    "ToolCallStarted",
    "ToolInputDelta",
    "register_model_rules",
]
