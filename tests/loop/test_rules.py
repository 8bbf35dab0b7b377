"""Requests the API would reject with a 400 fail before sending, saying what to change."""

import re
from collections.abc import Iterator
from typing import Any

import pytest

import agentloop
from agentloop import (
    MODEL_RULES,
    BadRequestError,
    Client,
    ConfigurationError,
    FunctionRegistry,
    ModelRules,
    register_model_rules,
    tool,
)
from agentloop._loop import _rules
from agentloop._loop._agent import Agent
from agentloop._loop._rules import rules_for
from agentloop.testing import FakeAnthropic, reply, text


def make(**options: Any) -> Agent:
    options.setdefault("model", "claude-sonnet-4-6")
    return Agent(**options)


LEGACY = "2023-06-01"
"""The API version with sampling parameters: the per-model sampling rules apply there."""
SAMPLING = {"temperature", "top_p", "top_k"}


def legacy(**options: Any) -> Agent:
    """An agent speaking 2023-06-01, where temperature/top_p/top_k still exist."""
    return make(api_version=LEGACY, **options)


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


@pytest.mark.parametrize(("param", "value"), [("temperature", 0.5), ("top_p", 0.5), ("top_k", 5)])
def test_sampling_params_on_opus_4_7_and_later_are_rejected(param: str, value: float):
    with pytest.raises(ConfigurationError, match=f"non-default {param}"):
        legacy(model="claude-opus-4-7", **{param: value})
    legacy(model="claude-sonnet-4-6", **{param: value})


def test_budget_at_or_above_max_tokens_is_rejected_unless_interleaved():
    with pytest.raises(ConfigurationError, match="below max_tokens"):
        make(thinking=4096, max_tokens=4096)
    agent = make(thinking=4096, max_tokens=4096, interleaved_thinking=True)
    assert "interleaved-thinking-2025-05-14" in agent.config.betas


def test_temperature_other_than_one_with_thinking_is_rejected():
    with pytest.raises(ConfigurationError, match="temperature must be 1"):
        legacy(thinking=1024, temperature=0.2)
    legacy(thinking=1024, temperature=1)


@pytest.mark.parametrize("model", ["claude-opus-4-6", "claude-sonnet-4-6", "claude-opus-4-8"])
def test_prefill_on_models_without_it_is_rejected(model: str):
    agent = make(model=model, client=FakeAnthropic().client())
    messages = [
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": "The answer is ("},
    ]
    with pytest.raises(ConfigurationError, match="prefill"):
        agent.run(messages)


def test_prefill_on_older_models_and_unknown_models_passes():
    messages = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "("}]
    for model in ("claude-haiku-4-5-20251001", "some-future-model"):
        make(model=model, client=Client(api_key="k")).iter(messages).close()


def test_unknown_models_get_only_the_rules_of_every_model():
    assert rules_for("gpt-nothing") is None
    make(model="claude-future-9", thinking={"type": "enabled", "budget_tokens": 2048})
    legacy(model="claude-future-9", top_k=3)


def test_bad_convenience_forms_say_what_is_accepted():
    with pytest.raises(ConfigurationError, match="not understood"):
        make(thinking="lots")


# --- every setting the API would answer with a 400 is refused up front ------------


@tool
def answer(value: str) -> str:
    """Give the answer."""
    return value


TOOLS = [answer]
WIRE_TOOLS = [{"name": "answer", "description": "d", "input_schema": {"type": "object"}}]

BAD_SETTINGS: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    # name: (Agent options, the same setting on the wire, what the error names)
    "budget -5": ({"thinking": -5}, {"thinking": {"type": "enabled", "budget_tokens": -5}},
                  "at least 1024"),
    "budget 1023": ({"thinking": 1023}, {"thinking": {"type": "enabled", "budget_tokens": 1023}},
                    "at least 1024"),
    "temperature 5": ({"temperature": 5}, {"temperature": 5}, "temperature"),
    "top_p 1.5": ({"top_p": 1.5}, {"top_p": 1.5}, "top_p"),
    "top_k -1": ({"top_k": -1}, {"top_k": -1}, "top_k"),
    "stop_sequences str": ({"stop_sequences": "###"}, {"stop_sequences": "###"},
                           "list of strings"),
    "system 123": ({"system": 123}, {"system": 123}, "system"),
    "system blocks": ({"system": [{"type": "image"}]}, {"system": [{"type": "image"}]},
                      "text blocks"),
    "top_k with thinking": ({"thinking": "adaptive", "top_k": 5},
                            {"thinking": {"type": "adaptive"}, "top_k": 5}, "top_k with thinking"),
    "top_p with thinking": ({"thinking": "adaptive", "top_p": 0.5},
                            {"thinking": {"type": "adaptive"}, "top_p": 0.5}, "0.95"),
    "unknown tool": ({"tools": TOOLS, "tool_choice": "anwser"},
                     {"tools": WIRE_TOOLS, "tool_choice": {"type": "tool", "name": "anwser"}},
                     "'anwser', which is not among the tools"),
    "any without tools": ({"tool_choice": "any"}, {"tools": [], "tool_choice": {"type": "any"}},
                          "no tools"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_SETTINGS)
def test_bad_settings_are_refused_by_the_agent_and_the_fake_alike(case: str):
    options, wire, named = BAD_SETTINGS[case]
    version = LEGACY if SAMPLING & set(wire) else "2026-10-21"
    with pytest.raises(ConfigurationError, match=re.escape(named)):
        make(api_version=version, **options)
    fake = FakeAnthropic()
    body = {"model": "claude-sonnet-4-6", "max_tokens": 4096, **wire}
    response = fake.client(max_retries=0, api_version=version)
    with pytest.raises(BadRequestError, match=re.escape(named)):
        response.create(messages=[{"role": "user", "content": "hi"}], **body)


@pytest.mark.parametrize(
    "options",
    [
        {"thinking": "adaptive", "top_p": 0.95},
        {"thinking": 1024, "max_tokens": 2048},
        {"temperature": 0, "top_p": 1, "top_k": 0},
        {"system": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}]},
        {"stop_sequences": ("###", "END")},
        {"tools": TOOLS, "tool_choice": "answer"},
    ],
)
def test_settings_the_api_accepts_pass(options: dict[str, Any]):
    make(api_version=LEGACY if SAMPLING & set(options) else "2026-10-21", **options)


def test_thinking_zero_says_how_to_turn_thinking_off():
    with pytest.raises(ConfigurationError, match=r"thinking=None \(or False\)"):
        make(thinking=0)
    assert make(thinking=False).config.thinking is None


@pytest.mark.parametrize(("choice", "right"), [("Auto", "auto"), ("ANY", "any"), ("None", "none")])
def test_a_miscased_tool_choice_suggests_the_right_spelling(choice: str, right: str):
    with pytest.raises(ConfigurationError, match=f"tool_choice={right!r}"):
        make(tools=TOOLS, tool_choice=choice)


def test_a_forced_tool_of_a_registry_is_not_checked_up_front():
    registry = FunctionRegistry([])
    agent = make(tools=registry, tool_choice="dynamic_tool")
    assert agent.config.tool_choice == {"type": "tool", "name": "dynamic_tool"}


def test_check_rules_false_sends_the_settings_unchecked():
    fake = FakeAnthropic([reply(text("ok"))], checks=False)
    agent = make(client=fake.client(), thinking=512, top_k=5, check_rules=False)
    agent.run("hi")
    body = fake.requests[0].body
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 512}
    assert body["top_k"] == 5


# --- the table of model rules -----------------------------------------------------


@pytest.fixture
def table() -> Iterator[None]:
    saved = dict(_rules._TABLE)
    yield
    _rules._TABLE.clear()
    _rules._TABLE.update(saved)


def test_the_model_rules_table_is_read_only():
    with pytest.raises(TypeError):
        MODEL_RULES["claude-opus-4-8"] = ModelRules()  # type: ignore[index]
    assert MODEL_RULES["claude-opus-4-8"].manual_thinking is False


def test_rules_can_be_registered_for_a_new_model(table: None):
    legacy(model="claude-opus-9", temperature=0.5)
    register_model_rules("claude-opus-9", ModelRules(sampling_params=False))
    assert MODEL_RULES["claude-opus-9"] == ModelRules(sampling_params=False)
    with pytest.raises(ConfigurationError, match="non-default temperature"):
        legacy(model="claude-opus-9-20300101", temperature=0.5)


def test_rules_can_be_overridden_and_unchecked_turns_the_checks_off(table: None):
    register_model_rules("claude-opus-4-8", ModelRules.unchecked())
    fake = FakeAnthropic([reply(text("ok"))])
    client = fake.client(api_version=LEGACY)
    agent = make(model="claude-opus-4-8", client=client, thinking=2048, temperature=0.3)
    agent.run([{"role": "user", "content": "x"}, {"role": "assistant", "content": "("}])
    fake.assert_clean()
    assert fake.requests[0].body["temperature"] == 0.3


@pytest.mark.parametrize(("prefix", "rules"), [("", ModelRules()), ("m", {"prefill": False})])
def test_registering_bad_rules_is_refused(prefix: str, rules: Any):
    with pytest.raises(ConfigurationError):
        register_model_rules(prefix, rules)


def test_register_model_rules_is_public():
    assert agentloop.register_model_rules is register_model_rules
    assert "register_model_rules" in agentloop.__all__
