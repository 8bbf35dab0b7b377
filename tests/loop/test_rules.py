"""Requests the API would reject with a 400 fail before sending, saying what to change."""

from typing import Any

import pytest

from agentloop import Client, ConfigurationError
from agentloop._loop._agent import Agent
from agentloop._loop._rules import rules_for


def make(**options: Any) -> Agent:
    options.setdefault("model", "claude-sonnet-4-6")
    return Agent(**options)


@pytest.mark.parametrize("choice", ["any", {"type": "tool", "name": "f"}, {"type": "any"}])
def test_forced_tool_choice_with_thinking_is_rejected(choice: Any):
    with pytest.raises(ConfigurationError, match='only "auto" or "none"'):
        make(thinking="adaptive", tool_choice=choice)


@pytest.mark.parametrize("choice", ["auto", "none", {"type": "auto"}])
def test_auto_and_none_tool_choice_with_thinking_pass(choice: Any):
    make(thinking="adaptive", tool_choice=choice)


@pytest.mark.parametrize(
    "model", ["claude-opus-4-7", "claude-opus-4-8", "claude-opus-4-8-20261001"]
)
def test_manual_thinking_on_newest_opus_is_rejected(model: str):
    with pytest.raises(ConfigurationError, match="adaptive"):
        make(model=model, thinking={"type": "enabled", "budget_tokens": 1024})
    make(model=model, thinking={"type": "adaptive"})


@pytest.mark.parametrize("param", ["temperature", "top_p", "top_k"])
def test_sampling_params_on_opus_4_7_and_later_are_rejected(param: str):
    with pytest.raises(ConfigurationError, match=f"non-default {param}"):
        make(model="claude-opus-4-7", **{param: 0.5})
    make(model="claude-sonnet-4-6", **{param: 0.5})


def test_budget_at_or_above_max_tokens_is_rejected_unless_interleaved():
    with pytest.raises(ConfigurationError, match="below max_tokens"):
        make(thinking=4096, max_tokens=4096)
    agent = make(thinking=4096, max_tokens=4096, interleaved_thinking=True)
    assert "interleaved-thinking-2025-05-14" in agent.config.betas


def test_temperature_other_than_one_with_thinking_is_rejected():
    with pytest.raises(ConfigurationError, match="temperature must be 1"):
        make(thinking=1024, temperature=0.2)
    make(thinking=1024, temperature=1)


@pytest.mark.parametrize("model", ["claude-opus-4-6", "claude-sonnet-4-6", "claude-opus-4-8"])
def test_prefill_on_models_without_it_is_rejected(model: str):
    agent = make(model=model)
    messages = [
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": "The answer is ("},
    ]
    with pytest.raises(ConfigurationError, match="prefill"):
        agent.iter(messages)


def test_prefill_on_older_models_and_unknown_models_passes():
    messages = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "("}]
    for model in ("claude-haiku-4-5-20251001", "some-future-model"):
        make(model=model, client=Client(api_key="k")).iter(messages).close()


def test_unknown_models_are_not_checked():
    assert rules_for("gpt-nothing") is None
    make(model="claude-future-9", thinking={"type": "enabled", "budget_tokens": 10}, top_k=3)


def test_bad_convenience_forms_say_what_is_accepted():
    with pytest.raises(ConfigurationError, match="not understood"):
        make(thinking="lots")
