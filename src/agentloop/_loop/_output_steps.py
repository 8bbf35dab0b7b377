"""The machine's decisions about an ``output_type``: what to ask, and what an answer means.

Pure functions of the :class:`~agentloop._loop._state.LoopMachine` (no I/O):

* :func:`output_params`: the request's ``output_config.format`` (native way), or
  the output tool, its ``tool_choice`` and, with thinking on, an instruction
  (tool way).
* :func:`on_output_response`: a response that calls the output tool, or ends
  its turn: the output, validated; field errors sent back while
  ``output_retries`` allow; then :class:`~agentloop.OutputValidationError`.
* :func:`missing_output`: a run that finishes without a valid output raises
  the typed error of why (refused, truncated, no output).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .._models import Message, ToolUseBlock
from .._tools._validation import InvalidInput
from ._output_errors import OutputRefused, OutputTruncated, OutputValidationError
from ._rules import thinking_on

if TYPE_CHECKING:
    from ._output import OutputSpec
    from ._state import Action, LoopMachine

__all__ = ["missing_output", "on_output_response", "output_params"]

_DONE = ("end_turn", "stop_sequence")
_TRUNCATED = ("max_tokens", "model_context_window_exceeded", "pause_turn")
NOT_RUN = "Not run: the run ended with the final result."
RECORDED = "Final result recorded."


# --- asking -------------------------------------------------------------------------


def output_params(
    spec: OutputSpec, params: dict[str, Any]
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """The request ``params`` with the output asked for, and the tools to add."""
    if spec.mode == "native":
        config = dict(params.get("output_config") or {})
        config["format"] = spec.native_format
        return {**params, "output_config": config}, ()
    params = dict(params)
    if thinking_on(params):
        params["system"] = _with_instruction(params.get("system"), spec.tool_name)
        if (params.get("tool_choice") or {}).get("type") == "none":
            params["tool_choice"] = {"type": "auto"}
    elif (params.get("tool_choice") or {}).get("type") != "tool":
        params["tool_choice"] = _any_like(params.get("tool_choice") or {})
    return params, (spec.tool_definition,)


def instruction(tool_name: str) -> str:
    return (
        f"When you have the final answer, call the {tool_name} tool with it: that is the "
        "only way to answer. Do not answer in text."
    )


def _with_instruction(system: Any, tool_name: str) -> Any:
    text = instruction(tool_name)
    if system is None:
        return text
    if isinstance(system, str):
        return f"{system}\n\n{text}"
    return [*system, {"type": "text", "text": text}]


def _any_like(choice: dict[str, Any]) -> dict[str, Any]:
    """``any``: a tool call every turn, so the turn that ends the run calls the output tool."""
    forced: dict[str, Any] = {"type": "any"}
    if "disable_parallel_tool_use" in choice:
        forced["disable_parallel_tool_use"] = choice["disable_parallel_tool_use"]
    return forced


# --- answers ------------------------------------------------------------------------


def on_output_response(machine: LoopMachine, message: Message) -> Action | None:
    """The next action for a response that bears on the output (``None``: not this one's)."""
    spec = machine.output
    assert spec is not None
    reason = message.stop_reason
    if spec.mode == "tool" and reason == "tool_use":
        calls = message.tool_uses
        mine = [c for c in calls if c.name == spec.tool_name]
        return _on_output_call(machine, spec, message, calls, mine[0]) if mine else None
    if reason not in _DONE:
        return None
    machine._append_assistant(message)
    if spec.mode == "tool":
        return _ask_again(machine, spec, message)
    try:
        value = spec.parse_text(message.text)
    except InvalidInput as exc:
        return _invalid_text(machine, message, exc)
    return machine._finish_with_output(reason, message, value)


def _on_output_call(
    machine: LoopMachine,
    spec: OutputSpec,
    message: Message,
    calls: list[ToolUseBlock],
    call: ToolUseBlock,
) -> Action:
    state = machine.state
    machine._append_assistant(message, keep_tool_use=True)
    try:
        value = spec.validate(call.input)
    except InvalidInput as exc:
        return _invalid_call(machine, spec, calls, call, exc)
    blocks = [_result_block(c, RECORDED if c.id == call.id else NOT_RUN) for c in calls]
    state.messages.append({"role": "user", "content": blocks})
    return machine._finish_with_output(message.stop_reason, message, value)


def _invalid_call(
    machine: LoopMachine,
    spec: OutputSpec,
    calls: list[ToolUseBlock],
    call: ToolUseBlock,
    exc: InvalidInput,
) -> Action:
    state = machine.state
    error = _result_block(call, exc.message(spec.tool_name), is_error=True)
    raw = json.dumps(call.input, ensure_ascii=False)
    if not _may_retry(machine):
        blocks = [error if c.id == call.id else _result_block(c, NOT_RUN) for c in calls]
        state.messages.append({"role": "user", "content": blocks})
        raise _invalid_error(machine, raw, exc)
    others = [c for c in calls if c.name != spec.tool_name]
    for c in calls:
        if c.name == spec.tool_name:
            state.answered[c.id] = error if c.id == call.id else _result_block(c, NOT_RUN)
    state.pending_calls = calls
    if others:
        return machine._run_tools(others)
    state.messages.append({"role": "user", "content": [state.answered[c.id] for c in calls]})
    state.pending_calls = []
    state.answered = {}
    return machine._call_model()


def _invalid_text(machine: LoopMachine, message: Message, exc: InvalidInput) -> Action:
    if not _may_retry(machine):
        raise _invalid_error(machine, message.text, exc)
    lines = "\n".join(f"- {e}" for e in exc.errors)
    text = f"Invalid output:\n{lines}\nAnswer again, with only the JSON the schema asks for."
    machine.state.messages.append({"role": "user", "content": text})
    return machine._call_model()


def _ask_again(machine: LoopMachine, spec: OutputSpec, message: Message) -> Action:
    """The turn ended without the output tool: ask for it (within ``output_retries``)."""
    if not _may_retry(machine):
        raise OutputValidationError(
            f"the model ended its turn without calling {spec.tool_name}, more times than "
            f"output_retries={machine.output_retries} allows; result.messages holds the run "
            "so far",
            machine.result(),
            message.text,
        )
    text = f"Call the {spec.tool_name} tool now, with your final answer."
    machine.state.messages.append({"role": "user", "content": text})
    return machine._call_model()


def _may_retry(machine: LoopMachine) -> bool:
    state = machine.state
    state.output_failures += 1
    return state.output_failures <= machine.output_retries


def _invalid_error(machine: LoopMachine, raw: str, exc: InvalidInput) -> OutputValidationError:
    lines = "\n".join(f"- {e}" for e in exc.errors)
    return OutputValidationError(
        f"the output failed validation {machine.state.output_failures} times, more than "
        f"output_retries={machine.output_retries} allows; the last errors:\n{lines}",
        machine.result(),
        raw,
        exc.errors,
    )


def _result_block(call: ToolUseBlock, text: str, *, is_error: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call.id, "content": text}
    if is_error:
        block["is_error"] = True
    return block


# --- no output ----------------------------------------------------------------------


def missing_output(machine: LoopMachine, reason: str | None, message: Message) -> None:
    """Raise why the run finishes without an output (the state is final already)."""
    result, raw = machine.result(), message.text
    if reason == "refusal":
        raise OutputRefused(
            "the model refused before giving a valid output (result.stop_details says why)",
            result,
            raw,
        )
    if reason in _TRUNCATED:
        raise OutputTruncated(
            f"the answer was cut (stop_reason={reason!r}) before a valid output: raise "
            "max_tokens, or ask for less",
            result,
            raw,
        )
    raise OutputValidationError(
        f"the run ended (stop_reason={reason!r}) without an output", result, raw
    )
