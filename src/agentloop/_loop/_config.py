"""An agent's configuration, normalized once: the API's dict forms everywhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, Union

from .._base_client import SETTING_FIELDS
from .._exceptions import ConfigurationError
from ._rules import INTERLEAVED_THINKING_BETA, check_request

__all__ = ["AgentConfig", "ThinkingOption", "ToolChoiceOption", "normalize_thinking"]

ThinkingOption: TypeAlias = Union[Mapping[str, Any], Literal["adaptive"], int, bool, None]
"""``{"type": "adaptive"}`` / ``{"type": "enabled", "budget_tokens": N}`` as the API
takes them, or ``"adaptive"``, an int budget, ``False``/``None`` (off)."""

ToolChoiceOption: TypeAlias = Union[Mapping[str, Any], str, None]
"""The API's dict, or ``"auto"``, ``"any"``, ``"none"``, or a tool's name."""


def normalize_thinking(value: ThinkingOption) -> dict[str, Any] | None:
    """The API's dict form of a thinking option (``None`` means: leave it out)."""
    if value is None or value is False:
        return None
    if value is True or value == "adaptive":
        return {"type": "adaptive"}
    if isinstance(value, int):
        return {"type": "enabled", "budget_tokens": value}
    if isinstance(value, Mapping):
        return dict(value)
    raise ConfigurationError(
        f"thinking={value!r} is not understood: use 'adaptive', a token budget (int), "
        "None, or the API's dict"
    )


def normalize_tool_choice(value: ToolChoiceOption) -> dict[str, Any] | None:
    """The API's dict form of a tool_choice option."""
    if value is None:
        return None
    if isinstance(value, str):
        if value in ("auto", "any", "none"):
            return {"type": value}
        return {"type": "tool", "name": value}
    return dict(value)


@dataclass(frozen=True)
class AgentConfig:
    """Everything about an agent except its tools and client; no I/O."""

    model: str
    max_tokens: int = 4096
    system: str | Sequence[Mapping[str, Any]] | None = None
    thinking: dict[str, Any] | None = None
    tool_choice: dict[str, Any] | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    stop_sequences: Sequence[str] | None = None
    metadata: Mapping[str, Any] | None = None
    output_config: Mapping[str, Any] | None = None
    betas: tuple[str, ...] = ()
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    max_requests: int = 50
    max_total_tokens: int | None = None
    max_tokens_ceiling: int = 64_000
    max_tokens_retries: int = 2
    max_pause_continuations: int = 10
    on_max_tokens: Literal["finish", "raise"] = "finish"
    reset_tool_choice: bool = True

    def __post_init__(self) -> None:
        if self.on_max_tokens not in ("finish", "raise"):
            raise ConfigurationError("on_max_tokens must be 'finish' or 'raise'")
        if self.max_requests < 1:
            raise ConfigurationError("max_requests must be at least 1")
        self.check(self.max_tokens)

    @classmethod
    def build(
        cls,
        *,
        thinking: ThinkingOption = None,
        tool_choice: ToolChoiceOption = None,
        interleaved_thinking: bool = False,
        betas: Sequence[str] = (),
        **options: Any,
    ) -> AgentConfig:
        """Normalize the convenience forms into the API's, then validate."""
        all_betas = list(betas)
        thinking_dict = normalize_thinking(thinking)
        manual = thinking_dict is not None and thinking_dict.get("type") == "enabled"
        if interleaved_thinking and manual and INTERLEAVED_THINKING_BETA not in all_betas:
            all_betas.append(INTERLEAVED_THINKING_BETA)
        return cls(
            thinking=thinking_dict,
            tool_choice=normalize_tool_choice(tool_choice),
            betas=tuple(all_betas),
            **options,
        )

    def check(self, max_tokens: int) -> None:
        """Raise what the API would reject, for a request with this ``max_tokens``."""
        check_request(
            model=self.model,
            max_tokens=max_tokens,
            thinking=self.thinking,
            tool_choice=self.tool_choice,
            sampling={"temperature": self.temperature, "top_p": self.top_p, "top_k": self.top_k},
            betas=self.betas,
        )

    @property
    def forces_tool(self) -> bool:
        """Whether ``tool_choice`` forces a tool call (``any`` or ``tool``)."""
        return (self.tool_choice or {}).get("type") in ("any", "tool")

    def request_params(
        self, messages: list[dict[str, Any]], max_tokens: int, *, forced_tool_used: bool = False
    ) -> dict[str, Any]:
        """The body of a request (without ``tools``, which are re-read every turn).

        Once a tool call has succeeded, a forced ``tool_choice`` falls back to
        ``auto`` (unless ``reset_tool_choice`` is off): forcing it again on
        every request would make the model call tools forever. Until then it
        stays forced, so a call rejected for bad input is made again.
        """
        params: dict[str, Any] = {"model": self.model, "max_tokens": max_tokens}
        params["messages"] = messages
        for name in SETTING_FIELDS:
            value = getattr(self, name)
            if value is not None:
                params[name] = value
        if forced_tool_used and self.forces_tool and self.reset_tool_choice:
            params["tool_choice"] = _auto_like(self.tool_choice or {})
        if self.betas:
            params["betas"] = self.betas
        if self.extra_body:
            params["extra_body"] = self.extra_body
        return params


def _auto_like(choice: Mapping[str, Any]) -> dict[str, Any]:
    auto: dict[str, Any] = {"type": "auto"}
    if "disable_parallel_tool_use" in choice:
        auto["disable_parallel_tool_use"] = choice["disable_parallel_tool_use"]
    return auto
