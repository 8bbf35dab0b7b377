"""Agent(...) checks every option up front, saying what to change; the config keeps its shape."""

from __future__ import annotations

from typing import Any

import pytest

from agentloop import AsyncClient, ConfigurationError
from agentloop._loop._agent import Agent
from agentloop._loop._config import AgentConfig
from agentloop.testing import FakeAnthropic, reply, text


def make(**options: Any) -> Agent:
    options.setdefault("model", "claude-sonnet-4-6")
    return Agent(**options)


BAD_NUMBERS = [
    ("max_concurrency", 0),
    ("max_concurrency", -1),
    ("max_concurrency", 2.5),
    ("max_concurrency", True),
    ("tool_timeout", 0),
    ("tool_timeout", -1.0),
    ("tool_timeout", "5"),
    ("tool_timeout", True),
    ("max_requests", 0),
    ("max_requests", False),
    ("max_total_tokens", 0),
    ("max_total_tokens", "1000"),
    ("max_tokens", 0),
    ("max_tokens", "100"),
    ("max_tokens", True),
    ("max_tokens_ceiling", 1000),
    ("max_tokens_retries", -1),
    ("max_tokens_retries", 1.0),
    ("max_pause_continuations", -1),
    ("max_pause_continuations", None),
]


@pytest.mark.parametrize(("name", "value"), BAD_NUMBERS)
def test_bad_numeric_options_are_refused_naming_the_option(name: str, value: Any):
    with pytest.raises(ConfigurationError, match=name):
        make(**{name: value})


@pytest.mark.parametrize(
    "options",
    [
        {"max_concurrency": 1, "tool_timeout": 0.5, "max_requests": 1},
        {"max_total_tokens": None, "tool_timeout": None, "max_tokens_retries": 0},
        {"max_pause_continuations": 0, "max_tokens": 1},
        {"max_tokens": 4096, "max_tokens_ceiling": 4096},
    ],
)
def test_good_numeric_options_pass(options: dict[str, Any]):
    agent = make(**options)
    assert agent.max_concurrency == options.get("max_concurrency", 16)
    assert agent.tool_timeout == options.get("tool_timeout")


def test_the_ceiling_follows_a_max_tokens_above_its_default():
    assert make(max_tokens=100_000).config.max_tokens_ceiling == 100_000
    assert make(max_tokens=1000).config.max_tokens_ceiling == 64_000
    with pytest.raises(ConfigurationError, match="max_tokens_ceiling must be an int of at least"):
        make(max_tokens=8000, max_tokens_ceiling=4000)


@pytest.mark.parametrize("model", [None, 123, ""])
def test_a_model_that_is_no_model_id_is_refused(model: Any):
    with pytest.raises(ConfigurationError, match="model must be a model id"):
        Agent(model)


@pytest.mark.parametrize("client", ["sk-ant-123", 42, object()])
def test_a_client_that_is_no_client_is_refused(client: Any):
    with pytest.raises(ConfigurationError, match="client must be an agentloop client") as info:
        make(client=client)
    if isinstance(client, str):
        assert "api_key" in str(info.value)
        assert "sk-ant-123" not in str(info.value)


def test_an_async_client_passed_as_client_is_used_for_async_runs():
    client = AsyncClient(api_key="k")
    agent = make(client=client)
    assert agent.async_client is client
    with pytest.raises(ConfigurationError, match="async_client"):
        make(async_client=FakeAnthropic().client())


@pytest.mark.parametrize("hook_option", ["before_tool", "after_tool"])
@pytest.mark.parametrize("hooks", [[print, "not a hook"], "print", 42])
def test_hooks_that_cannot_be_called_are_refused_at_construction(hook_option: str, hooks: Any):
    with pytest.raises(ConfigurationError, match=hook_option):
        make(**{hook_option: hooks})


def test_a_refused_max_concurrency_never_reaches_a_run():
    # max_concurrency=0 used to hang arun forever; now the agent cannot be built
    fake = FakeAnthropic([reply(text("ok"))])
    with pytest.raises(ConfigurationError, match="max_concurrency=1 or more"):
        Agent("claude-sonnet-4-6", client=fake.client(), max_concurrency=0)
    assert fake.requests == []


def test_the_config_keeps_its_public_attributes_and_request_shape():
    agent = make(
        max_tokens=2000,
        thinking=1024,
        tool_choice="auto",
        system="be brief",
        service_tier="auto",
        betas=["b1"],
        extra_body={"x": 1},
    )
    config = agent.config
    assert config.model == "claude-sonnet-4-6"
    assert config.max_tokens == 2000
    assert config.thinking == {"type": "enabled", "budget_tokens": 1024}
    assert config.tool_choice == {"type": "auto"}
    assert config.settings == {"system": "be brief", "service_tier": "auto"}
    assert config.request_params([{"role": "user", "content": "hi"}], 3000) == {
        "model": "claude-sonnet-4-6",
        "max_tokens": 3000,
        "messages": [{"role": "user", "content": "hi"}],
        "system": "be brief",
        "service_tier": "auto",
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "tool_choice": {"type": "auto"},
        "betas": ("b1",),
        "extra_body": {"x": 1},
    }


def test_the_config_is_frozen_and_build_takes_settings_as_keywords():
    config = AgentConfig.build(
        model="m", system="s", temperature=0.5, max_requests=3, api_version="2023-06-01"
    )
    assert config.settings == {"system": "s", "temperature": 0.5}
    assert config.max_requests == 3
    with pytest.raises(AttributeError):
        config.model = "other"  # type: ignore[misc]
    with pytest.raises(TypeError, match="'sytem'"):
        AgentConfig.build(model="m", sytem="s")


def test_check_raises_for_a_max_tokens_the_budget_does_not_fit():
    config = AgentConfig.build(model="claude-sonnet-4-6", thinking=2048, max_tokens=4096)
    config.check(4096)
    with pytest.raises(ConfigurationError, match="below max_tokens"):
        config.check(2048)
