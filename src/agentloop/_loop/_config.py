"""An agent's configuration, normalized and checked once: the API's dict forms everywhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeAlias, Union

from .._exceptions import ConfigurationError
from .._settings import SETTING_FIELDS, reject_unknown
from .._versions import DEFAULT_API_VERSION, ApiVersion, check_api_version
from ._rules import INTERLEAVED_THINKING_BETA, raise_problems, request_problems

__all__ = ["AgentConfig", "ThinkingOption", "ToolChoiceOption", "normalize_thinking"]

ThinkingOption: TypeAlias = Union[Mapping[str, Any], Literal["adaptive"], int, bool, None]
"""``{"type": "adaptive"}`` / ``{"type": "enabled", "budget_tokens": N}`` as the API
takes them, or ``"adaptive"``, an int budget (at least 1024), ``False``/``None`` (off)."""

ToolChoiceOption: TypeAlias = Union[Mapping[str, Any], str, None]
"""The API's dict, or ``"auto"``, ``"any"``, ``"none"``, or a tool's name."""

_CHOICES = ("auto", "any", "none")
DEFAULT_CEILING = 64_000


def normalize_thinking(value: ThinkingOption) -> dict[str, Any] | None:
    """The API's dict form of a thinking option (``None`` means: leave it out)."""
    if value is None or value is False:
        return None
    if value is True or value == "adaptive":
        return {"type": "adaptive"}
    if isinstance(value, int):
        if value == 0:
            raise ConfigurationError(
                "thinking=0 does not turn thinking off: use thinking=None (or False) for no "
                "thinking, or a budget of at least 1024 tokens"
            )
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
        if value in _CHOICES:
            return {"type": value}
        if value.lower() in _CHOICES:
            raise ConfigurationError(
                f"tool_choice={value!r} would force a tool named {value!r}: "
                f"write tool_choice={value.lower()!r}"
            )
        return {"type": "tool", "name": value}
    if isinstance(value, Mapping):
        return dict(value)
    raise ConfigurationError(
        f"tool_choice={value!r} is not understood: use 'auto', 'any', 'none', a tool's "
        "name, or the API's dict"
    )


def check_int(name: str, value: object, minimum: int, *, optional: bool = False) -> None:
    """Raise unless ``value`` is an int (not a bool) of at least ``minimum``."""
    if optional and value is None:
        return
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return
    also = " or None" if optional else ""
    raise ConfigurationError(
        f"{name} must be an int of at least {minimum}{also}, got {value!r}: "
        f"pass {name}={max(minimum, 1)} or more"
    )


def check_timeout(name: str, value: object) -> None:
    """Raise unless ``value`` is ``None`` or a number of seconds above zero."""
    if value is None:
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return
    raise ConfigurationError(
        f"{name} must be a number of seconds above 0, or None for no limit; got {value!r}"
    )


@dataclass(frozen=True)
class AgentConfig:
    """Everything about an agent except its tools and client; no I/O.

    ``settings`` holds the request's other settings (``system``, ``temperature``,
    ``cache_control``, ...: the keys of :class:`~agentloop.RequestSettings`),
    as the API takes them.
    """

    model: str
    max_tokens: int = 4096
    thinking: dict[str, Any] | None = None
    tool_choice: dict[str, Any] | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    betas: tuple[str, ...] = ()
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    max_requests: int = 50
    max_total_tokens: int | None = None
    max_tokens_ceiling: int = DEFAULT_CEILING
    max_tokens_retries: int = 2
    max_pause_continuations: int = 10
    on_max_tokens: Literal["finish", "raise"] = "finish"
    reset_tool_choice: bool = True
    check_rules: bool = True
    """``False``: send the settings without checking them against the API's rules."""
    api_version: ApiVersion = DEFAULT_API_VERSION
    """The API version whose rules the settings are checked against (the clients')."""

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or not self.model:
            raise ConfigurationError(
                f"model must be a model id (a non-empty str such as 'claude-sonnet-4-6'), "
                f"got {self.model!r}"
            )
        check_int("max_tokens", self.max_tokens, 1)
        check_api_version(self.api_version)
        self._check_limits()
        self.check(self.max_tokens)

    def _check_limits(self) -> None:
        check_int("max_requests", self.max_requests, 1)
        check_int("max_total_tokens", self.max_total_tokens, 1, optional=True)
        check_int("max_tokens_ceiling", self.max_tokens_ceiling, self.max_tokens)
        check_int("max_tokens_retries", self.max_tokens_retries, 0)
        check_int("max_pause_continuations", self.max_pause_continuations, 0)
        if self.on_max_tokens not in ("finish", "raise"):
            raise ConfigurationError(
                f"on_max_tokens must be 'finish' or 'raise', got {self.on_max_tokens!r}"
            )

    @classmethod
    def build(
        cls,
        *,
        thinking: ThinkingOption = None,
        tool_choice: ToolChoiceOption = None,
        interleaved_thinking: bool = False,
        betas: Sequence[str] = (),
        settings: Mapping[str, Any] | None = None,
        max_tokens_ceiling: int | None = None,
        **options: Any,
    ) -> AgentConfig:
        """Normalize the convenience forms into the API's, then validate.

        Request settings may come as ``settings`` or as keywords; ``None``
        values are left out. ``max_tokens_ceiling`` defaults to 64,000, or to
        ``max_tokens`` when that is higher.
        """
        reject_unknown(settings or {}, _SETTINGS, "Agent")
        merged = {**(settings or {}), **_pop_settings(options)}
        thinking_dict = normalize_thinking(thinking)
        all_betas = list(betas)
        manual = thinking_dict is not None and thinking_dict.get("type") == "enabled"
        if interleaved_thinking and manual and INTERLEAVED_THINKING_BETA not in all_betas:
            all_betas.append(INTERLEAVED_THINKING_BETA)
        if max_tokens_ceiling is None:
            max_tokens_ceiling = max(DEFAULT_CEILING, _int_or_zero(options.get("max_tokens")))
        return cls(
            thinking=thinking_dict,
            tool_choice=normalize_tool_choice(tool_choice),
            settings={k: v for k, v in merged.items() if v is not None},
            betas=tuple(all_betas),
            max_tokens_ceiling=max_tokens_ceiling,
            **options,
        )

    def check(self, max_tokens: int) -> None:
        """Raise what the API would reject, for a request with this ``max_tokens``."""
        if self.check_rules:
            body = self.request_params([], max_tokens)
            raise_problems(request_problems(body, self.betas, api_version=self.api_version))

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
        params.update(self.settings)
        if self.thinking is not None:
            params["thinking"] = self.thinking
        if self.tool_choice is not None:
            params["tool_choice"] = self.tool_choice
        if forced_tool_used and self.forces_tool and self.reset_tool_choice:
            params["tool_choice"] = _auto_like(self.tool_choice or {})
        if self.betas:
            params["betas"] = self.betas
        if self.extra_body:
            params["extra_body"] = self.extra_body
        if not self.check_rules:
            params["check_rules"] = False
        return params


_CONFIG_FIELDS = frozenset(f.name for f in fields(AgentConfig))
_SETTINGS = frozenset(SETTING_FIELDS) - {"thinking", "tool_choice"}


def _pop_settings(options: dict[str, Any]) -> dict[str, Any]:
    """Take the request settings out of ``options``; raise for an unknown keyword."""
    reject_unknown(options, _CONFIG_FIELDS | _SETTINGS, "Agent")
    return {name: options.pop(name) for name in list(options) if name in _SETTINGS}


def _int_or_zero(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _auto_like(choice: Mapping[str, Any]) -> dict[str, Any]:
    auto: dict[str, Any] = {"type": "auto"}
    if "disable_parallel_tool_use" in choice:
        auto["disable_parallel_tool_use"] = choice["disable_parallel_tool_use"]
    return auto
