"""What the API would reject with a 400, checked before sending.

One function, :func:`request_problems`, lists the rules a request body breaks;
the agent raises on them before sending and the testing fake answers them with
a 400, so the two cannot disagree. The rules of the API version come first
(:data:`~agentloop._versions.VERSION_RULES`: under 2026-10-21 the sampling
parameters are gone, whatever the model), then the rules that hold for every
model; the per-model ones live in one read-only table, :data:`MODEL_RULES`,
looked up by the longest matching prefix of the model id (so dated ids match
their family). :func:`register_model_rules` adds or overrides an entry; a
model with no entry gets only the rules that hold for every model, and one
registered as :meth:`ModelRules.unchecked` gets none.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeGuard

from .._exceptions import ConfigurationError
from .._versions import DEFAULT_API_VERSION, SAMPLING_FIELDS, VERSION_RULES, version_problems

__all__ = [
    "MODEL_RULES",
    "ModelRules",
    "Problem",
    "check_prefill",
    "register_model_rules",
    "request_problems",
    "rules_for",
    "tool_choice_problems",
]

INTERLEAVED_THINKING_BETA = "interleaved-thinking-2025-05-14"
MIN_THINKING_BUDGET = 1024

Problem = tuple[str, str]
"""A broken rule: its name, and what was wrong and what to change."""


@dataclass(frozen=True)
class ModelRules:
    """What one model family accepts."""

    manual_thinking: bool = True
    """``thinking: {"type": "enabled", "budget_tokens": N}`` is accepted."""
    sampling_params: bool = True
    """Non-default ``temperature``, ``top_p``, ``top_k`` are accepted."""
    prefill: bool = True
    """A final assistant message (prefill) is accepted."""
    checked: bool = True
    """``False``: check nothing before sending; the API remains the judge."""
    structured_outputs: bool = False
    """Native structured outputs (``output_config.format``) are accepted: an
    ``output_type`` is asked that way, not through an output tool."""

    @classmethod
    def unchecked(cls) -> ModelRules:
        """Rules that check nothing, for a model whose rules changed or are unknown."""
        return cls(checked=False)


_NEWEST = ModelRules(
    manual_thinking=False, sampling_params=False, prefill=False, structured_outputs=True
)
_NO_PREFILL = ModelRules(prefill=False)
_NO_PREFILL_STRUCTURED = ModelRules(prefill=False, structured_outputs=True)
_STRUCTURED = ModelRules(structured_outputs=True)

_TABLE: dict[str, ModelRules] = {
    "claude-opus-4-8": _NEWEST,
    "claude-opus-4-7": _NEWEST,
    "claude-opus-4-6": _NO_PREFILL_STRUCTURED,
    "claude-sonnet-4-6": _NO_PREFILL_STRUCTURED,
    "claude-mythos-preview": _NO_PREFILL,
    "claude-mythos-5": _NO_PREFILL,
    "claude-fable-5": _NO_PREFILL,
    "claude-opus-4-5": _STRUCTURED,
    "claude-sonnet-4-5": _STRUCTURED,
    "claude-haiku-4-5": _STRUCTURED,
}
_LOCK = threading.Lock()

MODEL_RULES: Mapping[str, ModelRules] = MappingProxyType(_TABLE)
"""The rules per model id prefix: a read-only view; change it with
:func:`register_model_rules`."""


def register_model_rules(prefix: str, rules: ModelRules) -> None:
    """Add or replace the rules of the models whose id starts with ``prefix``.

    ``register_model_rules("claude-opus-5", ModelRules(prefill=False))``;
    ``ModelRules.unchecked()`` turns the checks off for those models.
    """
    if not isinstance(prefix, str) or not prefix:
        raise ConfigurationError(f"prefix must be a non-empty model id prefix, not {prefix!r}")
    if not isinstance(rules, ModelRules):
        raise ConfigurationError(f"rules must be a ModelRules, not {type(rules).__name__}")
    with _LOCK:
        _TABLE[prefix] = rules


def rules_for(model: str) -> ModelRules | None:
    """The rules of ``model`` (longest prefix match), or ``None`` when unknown."""
    best = ""
    for prefix in tuple(_TABLE):
        if model.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return _TABLE.get(best) if best else None


# --- the rules --------------------------------------------------------------------


def request_problems(
    body: Mapping[str, Any], betas: Sequence[str] = (), *, api_version: str = DEFAULT_API_VERSION
) -> list[Problem]:
    """Every rule the request ``body`` (sent with ``betas`` under ``api_version``) breaks.

    The version's rules hold for every model, even one registered unchecked;
    a sampling parameter the version removed is reported once, as removed,
    and not judged again by the model's rules.
    """
    problems = list(_basic_problems(body))
    model = body.get("model")
    rules = rules_for(model) if isinstance(model, str) else None
    if problems:
        return problems
    versioned = version_problems(body, api_version)
    if not sampling_allowed(api_version):
        body = {k: v for k, v in body.items() if k not in SAMPLING_FIELDS}
    if rules is not None and not rules.checked:
        return versioned
    problems += _setting_problems(body)
    if "tools" in body and "mcp_servers" not in body:
        problems += tool_choice_problems(body.get("tool_choice"), _tool_names(body["tools"]))
    if not problems:
        problems += _thinking_problems(body, betas)
    if rules is not None:
        problems += _model_problems(str(model), rules, body)
    return versioned + problems


def sampling_allowed(api_version: str) -> bool:
    """Whether ``temperature``, ``top_p`` and ``top_k`` exist in ``api_version``."""
    rules = VERSION_RULES.get(api_version)
    return rules is None or rules.sampling_params


def _basic_problems(body: Mapping[str, Any]) -> Iterator[Problem]:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        yield "model", f"must be a non-empty string, got {model!r}"
    max_tokens = body.get("max_tokens")
    if not _is_int(max_tokens) or max_tokens <= 0:
        yield "max_tokens", f"must be an integer > 0, got {max_tokens!r}"


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _setting_problems(body: Mapping[str, Any]) -> Iterator[Problem]:
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and not (_is_number(value) and 0 <= value <= 1):
            yield name, f"must be a number from 0 to 1, got {value!r}"
    top_k = body.get("top_k")
    if top_k is not None and not (_is_int(top_k) and top_k >= 0):
        yield "top_k", f"must be an integer >= 0, got {top_k!r}"
    stop = body.get("stop_sequences")
    if stop is not None and not (
        isinstance(stop, (list, tuple)) and all(isinstance(s, str) for s in stop)
    ):
        yield "stop_sequences", f"must be a list of strings, e.g. [{stop!r}], got {stop!r}"
    system = body.get("system")
    if system is not None and not _is_system(system):
        yield (
            "system",
            f'must be a string or a list of text blocks ({{"type": "text", "text": ...}}), '
            f"got {system!r}",
        )
    yield from _shape_problems(body)


def _is_system(system: object) -> bool:
    if isinstance(system, str):
        return True
    return isinstance(system, (list, tuple)) and all(
        isinstance(b, Mapping) and b.get("type") == "text" and isinstance(b.get("text"), str)
        for b in system
    )


def _shape_problems(body: Mapping[str, Any]) -> Iterator[Problem]:
    thinking = body.get("thinking")
    if thinking is not None and not (isinstance(thinking, Mapping) and "type" in thinking):
        yield "thinking", f'must be an object with a "type", got {thinking!r}'
    choice = body.get("tool_choice")
    if choice is not None and not (
        isinstance(choice, Mapping) and choice.get("type") in ("auto", "any", "tool", "none")
    ):
        yield (
            "tool_choice",
            f'must be an object with "type" auto, any, tool or none, got {choice!r}',
        )
    elif choice is not None and choice["type"] == "tool" and not choice.get("name"):
        yield "tool_choice", f'{{"type": "tool"}} needs the tool\'s "name", got {choice!r}'


def tool_choice_problems(choice: object, tool_names: Collection[str]) -> list[Problem]:
    """A forced ``tool_choice`` that no tool of ``tool_names`` can satisfy."""
    if not isinstance(choice, Mapping) or choice.get("type") not in ("any", "tool"):
        return []
    if choice["type"] == "any" and not tool_names:
        return [("tool_choice", '{"type": "any"} forces a tool call, but there are no tools')]
    name = choice.get("name")
    if choice["type"] == "tool" and name not in tool_names:
        known = ", ".join(sorted(tool_names)) or "none"
        return [
            (
                "tool_choice",
                f"forces the tool {name!r}, which is not among the tools ({known}): "
                "fix the name or add the tool",
            )
        ]
    return []


def _tool_names(tools: object) -> set[str]:
    if not isinstance(tools, (list, tuple)):
        return set()
    return {t["name"] for t in tools if isinstance(t, Mapping) and isinstance(t.get("name"), str)}


def thinking_on(body: Mapping[str, Any]) -> bool:
    """Whether the request turns extended thinking on."""
    config = body.get("thinking")
    return isinstance(config, Mapping) and config.get("type") not in (None, "disabled")


def _thinking_problems(body: Mapping[str, Any], betas: Sequence[str]) -> Iterator[Problem]:
    if not thinking_on(body):
        return
    choice = (body.get("tool_choice") or {}).get("type", "auto")
    if choice not in ("auto", "none"):
        yield (
            "tool_choice with thinking",
            f'tool_choice {{"type": "{choice}"}} cannot be used with thinking on: the API '
            'accepts only "auto" or "none" then. Use tool_choice="auto" (and say in the '
            "prompt which tool to use) or turn thinking off.",
        )
    yield from _budget_problems(body, betas)
    yield from _sampling_with_thinking(body)


def _budget_problems(body: Mapping[str, Any], betas: Sequence[str]) -> Iterator[Problem]:
    thinking = body["thinking"]
    if thinking.get("type") != "enabled":
        return
    budget = thinking.get("budget_tokens")
    if not _is_int(budget) or budget < MIN_THINKING_BUDGET:
        yield (
            "thinking budget",
            f"budget_tokens must be an integer of at least {MIN_THINKING_BUDGET}, got "
            f"{budget!r}: raise it, or use thinking=None to turn thinking off",
        )
        return
    max_tokens = body["max_tokens"]
    if budget >= max_tokens and INTERLEAVED_THINKING_BETA not in betas:
        yield (
            "thinking budget",
            f"budget_tokens ({budget}) must be below max_tokens ({max_tokens}): "
            "raise max_tokens, lower the budget, or enable interleaved thinking",
        )


def _sampling_with_thinking(body: Mapping[str, Any]) -> Iterator[Problem]:
    temperature = body.get("temperature")
    if temperature is not None and temperature != 1:
        yield (
            "temperature with thinking",
            f"with thinking on, temperature must be 1 (got {temperature}): leave it unset",
        )
    if body.get("top_k") is not None:
        yield "top_k with thinking", "top_k cannot be used with thinking on: leave it unset"
    top_p = body.get("top_p")
    if top_p is not None and not 0.95 <= top_p <= 1:
        yield (
            "top_p with thinking",
            f"with thinking on, top_p must be from 0.95 to 1 (got {top_p}): leave it unset",
        )


def _model_problems(model: str, rules: ModelRules, body: Mapping[str, Any]) -> Iterator[Problem]:
    thinking = body.get("thinking")
    manual = thinking_on(body) and isinstance(thinking, Mapping) and thinking["type"] == "enabled"
    if manual and not rules.manual_thinking:
        yield (
            "manual thinking",
            f"{model} rejects manual thinking (budget_tokens): use "
            'thinking={"type": "adaptive"} instead',
        )
    given = sorted(n for n in ("temperature", "top_p", "top_k") if body.get(n) is not None)
    if given and not rules.sampling_params:
        yield "sampling", f"{model} rejects non-default {', '.join(given)}: leave them unset"
    messages = body.get("messages")
    if isinstance(messages, (list, tuple)):
        yield from _prefill_problems(model, rules, messages)


def _prefill_problems(model: str, rules: ModelRules, messages: Sequence[Any]) -> Iterator[Problem]:
    if rules.prefill or not messages or not _is_prefill(messages[-1]):
        return
    yield (
        "prefill",
        f"{model} does not support prefill (a final assistant message): end the "
        "conversation with a user message, and put output instructions in the system "
        "prompt or use structured outputs",
    )


def _is_prefill(message: object) -> bool:
    """A final assistant message of text: not a paused server-tool turn sent back."""
    if not isinstance(message, Mapping) or message.get("role") != "assistant":
        return False
    content = message.get("content")
    if not isinstance(content, (list, tuple)):
        return True
    return all(_block_type(block) in ("text", "thinking", "redacted_thinking") for block in content)


def _block_type(block: object) -> object:
    if isinstance(block, Mapping):
        return block.get("type")
    return getattr(block, "type", None)


def check_prefill(model: str, messages: Sequence[Mapping[str, Any]]) -> None:
    """Raise if ``messages`` ends in an assistant prefill that ``model`` rejects."""
    rules = rules_for(model)
    if rules is None or not rules.checked:
        return
    for _, detail in _prefill_problems(model, rules, messages):
        raise ConfigurationError(detail)


def raise_problems(problems: Sequence[Problem]) -> None:
    """Raise one :class:`ConfigurationError` naming every problem, if any."""
    if problems:
        raise ConfigurationError("; ".join(_describe(rule, detail) for rule, detail in problems))


def _describe(rule: str, detail: str) -> str:
    return detail if detail.startswith(rule) else f"{rule}: {detail}"
