"""Every request setting is typed once, sent by the clients and the agent, and an
unknown keyword is refused, never dropped."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentloop import Agent, RequestSettings
from agentloop._settings import SETTING_FIELDS
from agentloop.testing import FakeAnthropic, reply, text
from helpers import Api

pytestmark = pytest.mark.anyio

SAMPLES: dict[str, Any] = {
    "system": [{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}],
    "temperature": 0.5,
    "top_p": 0.9,
    "top_k": 5,
    "stop_sequences": ["###"],
    "metadata": {"user_id": "u1"},
    "output_config": {"effort": "low", "format": {"type": "json_schema", "schema": {}}},
    "cache_control": {"type": "ephemeral"},
    "container": {"id": "container_1", "skills": [{"type": "anthropic", "skill_id": "pdf"}]},
    "inference_geo": "us",
    "service_tier": "auto",
    "speed": "fast",
    "diagnostics": {"previous_message_id": "msg_1"},
    "context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]},
    "mcp_servers": [{"type": "url", "url": "https://mcp.example.com/sse", "name": "ex"}],
}
"""One valid value for every key of RequestSettings (temperature, top_p and top_k
exist only under API version 2023-06-01, which the tests sending them pin)."""
LEGACY = "2023-06-01"


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    fake = FakeAnthropic()
    yield Api(request.param, fake)
    fake.assert_clean()


def test_the_samples_cover_every_setting():
    assert set(SAMPLES) == set(RequestSettings.__annotations__)
    assert set(SETTING_FIELDS) == {*SAMPLES, "thinking", "tool_choice"}


async def test_create_sends_every_setting(api: Api):
    api.client_options["api_version"] = LEGACY
    api.fake.add(reply(text("ok")))
    await api.create(**{**SAMPLES, "container": "container_2"})
    assert api.fake.requests[0].body == {
        "model": "claude-sonnet-4-6",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Hi"}],
        **SAMPLES,
        "container": "container_2",
    }


async def test_stream_sends_every_setting(api: Api):
    api.fake.add(reply(text("ok")))
    await api.stream(cache_control={"type": "ephemeral"}, service_tier="auto")
    body = api.fake.requests[0].body
    assert body["cache_control"] == {"type": "ephemeral"}
    assert body["service_tier"] == "auto"
    assert body["stream"] is True


@pytest.mark.parametrize("method", ["create", "stream"])
async def test_an_unknown_keyword_is_refused_naming_it_and_extra_body(api: Api, method: str):
    with pytest.raises(TypeError, match=r"typo_field.*extra_body") as info:
        await getattr(api, method)(cache_control={"type": "ephemeral"}, typo_field=1)
    assert f"{method}()" in str(info.value)
    with pytest.raises(TypeError, match="did you mean 'temperature'"):
        await getattr(api, method)(temprature=0.5)
    assert api.fake.requests == []


@pytest.mark.parametrize(
    ("field", "beta"),
    [
        ("context_management", "context-management-2025-06-27"),
        ("mcp_servers", "mcp-client-2025-04-04"),
    ],
)
async def test_beta_fields_travel_with_their_beta(api: Api, field: str, beta: str):
    api.fake.add(reply(text("ok")), reply(text("ok")))
    await api.create(**{field: SAMPLES[field]}, betas=["other-2025-01-01"])
    assert api.fake.requests[0].headers["anthropic-beta"] == f"other-2025-01-01,{beta}"
    newer = beta[: -len("2025-01-01")] + "2030-01-01"
    await api.create(**{field: SAMPLES[field]}, betas=[newer])
    assert api.fake.requests[1].headers["anthropic-beta"] == newer


async def test_a_task_budget_travels_with_its_beta(api: Api):
    api.fake.add(reply(text("ok")), reply(text("ok")))
    budget = {"effort": "high", "task_budget": {"type": "tokens", "total": 50_000}}
    await api.create(output_config=budget)
    assert api.fake.requests[0].headers["anthropic-beta"] == "task-budgets-2026-03-13"
    await api.create(output_config={"effort": "high"})
    assert "anthropic-beta" not in api.fake.requests[1].headers


def test_an_agent_sends_the_same_settings():
    fake = FakeAnthropic([reply(text("ok"))])
    agent = Agent("claude-sonnet-4-6", client=fake.client(api_version=LEGACY), **SAMPLES)
    agent.run("Hi")
    body = fake.requests[0].body
    assert {name: body[name] for name in SAMPLES} == SAMPLES
    assert fake.requests[0].headers["anthropic-beta"] == (
        "context-management-2025-06-27,mcp-client-2025-04-04"
    )


def test_an_agent_refuses_an_unknown_keyword():
    with pytest.raises(TypeError, match=r"Agent\(\) .*'typo_field'.*extra_body"):
        Agent("claude-sonnet-4-6", typo_field=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="did you mean 'service_tier'"):
        Agent("claude-sonnet-4-6", service_teir="auto")  # type: ignore[call-arg]


def test_none_leaves_a_setting_out():
    fake = FakeAnthropic([reply(text("ok"))])
    settings: dict[str, Any] = {"system": None, "temperature": None}
    Agent("claude-sonnet-4-6", client=fake.client(), **settings).run("Hi")
    assert "system" not in fake.requests[0].body
    assert "temperature" not in fake.requests[0].body


def test_mypy_checks_agent_settings(tmp_path: Path):
    pytest.importorskip("mypy")
    source = textwrap.dedent(
        """
        from agentloop import Agent, Client

        Agent("m", temperature=0.5, cache_control={"type": "ephemeral"}, service_tier="auto")
        Agent("m", temperature="x")
        Client(api_key="k").create(
            model="m", max_tokens=1, messages=[], speed="fast", container="c"
        )
        """
    )
    (tmp_path / "snippet.py").write_text(source)
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "snippet.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"MYPYPATH": str(root / "src"), "PATH": ""},
    )
    errors = [line for line in out.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, out.stdout
    assert "snippet.py:5:" in errors[0]
    assert '"temperature"' in errors[0]
