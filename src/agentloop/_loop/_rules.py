"""What the API would reject with a 400, checked before sending.

The per-model rules live in one table, :data:`MODEL_RULES`, looked up by the
longest matching prefix of the model id (so dated ids match their family).
Models not in the table are not checked: the API remains the judge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._exceptions import ConfigurationError

__all__ = ["MODEL_RULES", "ModelRules", "check_prefill", "check_request", "rules_for"]

INTERLEAVED_THINKING_BETA = "interleaved-thinking-2025-05-14"


@dataclass(frozen=True)
class ModelRules:
    """What one model family accepts."""

    manual_thinking: bool = True
    """``thinking: {"type": "enabled", "budget_tokens": N}`` is accepted."""
    sampling_params: bool = True
    """Non-default ``temperature``, ``top_p``, ``top_k`` are accepted."""
    prefill: bool = True
    """A final assistant message (prefill) is accepted."""


_NEWEST = ModelRules(manual_thinking=False, sampling_params=False, prefill=False)
_NO_PREFILL = ModelRules(prefill=False)

MODEL_RULES: Mapping[str, ModelRules] = {
    "claude-opus-4-8": _NEWEST,
    "claude-opus-4-7": _NEWEST,
    "claude-opus-4-6": _NO_PREFILL,
    "claude-sonnet-4-6": _NO_PREFILL,
    "claude-mythos-preview": _NO_PREFILL,
    "claude-mythos-5": _NO_PREFILL,
    "claude-fable-5": _NO_PREFILL,
    "claude-opus-4-5": ModelRules(),
    "claude-sonnet-4-5": ModelRules(),
    "claude-haiku-4-5": ModelRules(),
}


def rules_for(model: str) -> ModelRules | None:
    """The rules of ``model`` (longest prefix match), or ``None`` when unknown."""
    best = ""
    for prefix in MODEL_RULES:
        if model.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return MODEL_RULES[best] if best else None


def _thinking_on(thinking: Mapping[str, Any] | None) -> bool:
    return bool(thinking) and thinking is not None and thinking.get("type") != "disabled"


def check_request(
    *,
    model: str,
    max_tokens: int,
    thinking: Mapping[str, Any] | None,
    tool_choice: Mapping[str, Any] | None,
    sampling: Mapping[str, float | int | None],
    betas: Sequence[str],
) -> None:
    """Raise :class:`ConfigurationError` for a request the API would reject."""
    if max_tokens < 1:
        raise ConfigurationError(f"max_tokens must be at least 1, not {max_tokens}")
    on = _thinking_on(thinking)
    choice = (tool_choice or {}).get("type", "auto")
    if on and choice not in ("auto", "none"):
        raise ConfigurationError(
            f'tool_choice {{"type": "{choice}"}} cannot be used with thinking on: the API '
            'accepts only "auto" or "none" then. Use tool_choice="auto" (and say in the '
            "prompt which tool to use) or turn thinking off."
        )
    budget = (thinking or {}).get("budget_tokens") if on else None
    interleaved = INTERLEAVED_THINKING_BETA in betas
    if budget is not None and budget >= max_tokens and not interleaved:
        raise ConfigurationError(
            f"thinking budget_tokens ({budget}) must be below max_tokens ({max_tokens}): "
            f"raise max_tokens, lower the budget, or enable interleaved thinking"
        )
    rules = rules_for(model)
    if rules is None:
        return
    manual = on and thinking is not None and thinking.get("type") == "enabled"
    if manual and not rules.manual_thinking:
        raise ConfigurationError(
            f"{model} rejects manual thinking (budget_tokens): use "
            'thinking={"type": "adaptive"} instead'
        )
    given = sorted(name for name, value in sampling.items() if value is not None)
    if given and not rules.sampling_params:
        raise ConfigurationError(
            f"{model} rejects non-default {', '.join(given)}: leave them unset"
        )
    temperature = sampling.get("temperature")
    if on and temperature is not None and temperature != 1:
        raise ConfigurationError(
            f"with thinking on, temperature must be 1 (got {temperature}): leave it unset"
        )


def check_prefill(model: str, messages: Sequence[Mapping[str, Any]]) -> None:
    """Raise if ``messages`` ends in an assistant prefill that ``model`` rejects."""
    if not messages or messages[-1].get("role") != "assistant":
        return
    rules = rules_for(model)
    if rules is not None and not rules.prefill:
        raise ConfigurationError(
            f"{model} does not support prefill (a final assistant message): end the "
            "conversation with a user message, and put output instructions in the system "
            "prompt or use structured outputs"
        )
