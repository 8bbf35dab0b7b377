"""Durable agents in one process: steps, storage, errors as values, misuse, lazy import."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dbos import DBOS, DBOSPortableJSONSerializer

from agentloop import (
    Agent,
    Approve,
    ConfigurationError,
    RateLimitError,
    RequestLimitExceeded,
    ToolCallOutcome,
    ToolResult,
    ToolUseBlock,
    tool,
)
from agentloop.durable import (
    DEFAULT_DATABASE,
    DurableAgent,
    ReplayMismatchError,
    dbos_config,
    send_decisions,
)
from agentloop.durable._values import outcome_of
from agentloop.testing import FakeAnthropic, http_error, reply, tool_use

MODEL = "claude-sonnet-4-6"
CALLS: list[tuple[str, int, float, float]] = []


@tool
def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: The first.
        b: The second.
    """
    start = time.monotonic()
    time.sleep(0.01)
    CALLS.append((f"add {a} {b}", threading.get_ident(), start, time.monotonic()))
    return a + b


def two_adds() -> list[Any]:
    calls = reply(
        tool_use("add", {"a": 1, "b": 2}, id="t1"), tool_use("add", {"a": 3, "b": 4}, id="t2")
    )
    return [calls, reply("3 and 7.")]


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[[], None]]:
    """Launch DBOS on an SQLite file in tmp_path (after the test made its DurableAgents)."""

    def start() -> None:
        config = dbos_config(
            "agentloop-unit", application_version="1", database=tmp_path / "r.sqlite"
        )
        DBOS(config=config)
        DBOS.launch()

    yield start
    DBOS.destroy()


def test_import_agentloop_imports_no_dbos() -> None:
    code = textwrap.dedent(
        """
        import sys
        import agentloop
        assert "dbos" not in sys.modules and "agentloop.durable" not in sys.modules
        import agentloop.durable
        assert "dbos" in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_dbos_the_import_error_says_what_to_install() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["dbos"] = None
        try:
            import agentloop.durable
        except ImportError as exc:
            print(exc)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert "pip install 'agentloop[dbos]'" in out.stdout


def test_dbos_config_stores_json_in_sqlite_by_default() -> None:
    config = dbos_config("my-agent", application_version="7")
    assert config["system_database_url"] == "sqlite:///" + str(Path(DEFAULT_DATABASE).resolve())
    assert config["application_version"] == "7"
    assert isinstance(config["serializer"], DBOSPortableJSONSerializer)
    url = "postgresql://u:p@127.0.0.1:5432/runs"
    assert (
        dbos_config("my-agent", application_version="7", database=url)["system_database_url"] == url
    )
    assert dbos_config("my-agent", application_version="7", executor_id="w1")["executor_id"] == "w1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "X"}, "application name is 3 to 256 lowercase"),
        ({"application_version": ""}, "must be a non-empty string"),
        ({"database": "mysql://h/db"}, "give an SQLite file path or a sqlite:// or postgresql://"),
        ({"serializer": object()}, "remove serializer="),
    ],
)
def test_dbos_config_refuses_what_cannot_work(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"name": "my-agent", "application_version": "1", **kwargs}
    with pytest.raises(ConfigurationError, match=message):
        dbos_config(**args)


def test_durable_agent_names_are_checked() -> None:
    agent = Agent(model=MODEL)
    with pytest.raises(ConfigurationError, match="stable name of letters"):
        DurableAgent(agent, name="has space")
    with pytest.raises(ConfigurationError, match="takes an agentloop Agent"):
        DurableAgent(object(), name="not-an-agent")  # type: ignore[arg-type]
    DurableAgent(agent, name="unit-twice")
    with pytest.raises(ConfigurationError, match="already exists in this process"):
        DurableAgent(agent, name="unit-twice")


@pytest.mark.anyio
async def test_each_model_request_and_tool_call_is_one_step(launch: Any) -> None:
    fake = FakeAnthropic(two_adds())
    durable = DurableAgent(
        Agent(model=MODEL, tools=[add], client=fake.async_client()), name="unit-steps"
    )
    launch()
    result = await durable.arun("Add 1+2 and 3+4.", run_id="steps-1")
    assert result.text == "3 and 7." and result.run_id == "steps-1"
    steps = await DBOS.list_workflow_steps_async("steps-1")
    names = [s["function_name"] for s in steps]
    assert names == [
        "agentloop.model",
        "agentloop.tool.add",
        "agentloop.tool.add",
        "agentloop.model",
    ]
    # a model step stores the response only, not the history: storage grows linearly
    assert set(steps[0]["output"]) == {"message"}
    assert steps[1]["output"]["tool_use_id"] == "t1" and steps[2]["output"]["tool_use_id"] == "t2"
    assert json.loads(json.dumps(steps[3]["output"])) == steps[3]["output"]
    # the same run_id again: the stored result, no new request
    again = await durable.arun("Add 1+2 and 3+4.", run_id="steps-1")
    assert again.text == "3 and 7." and len(fake.requests) == 2
    fake.assert_clean()


def test_sync_runs_run_tools_one_after_another_in_the_workflow_thread(launch: Any) -> None:
    fake = FakeAnthropic(two_adds())
    durable = DurableAgent(Agent(model=MODEL, tools=[add], client=fake.client()), name="unit-sync")
    launch()
    CALLS.clear()
    result = durable.run("Add 1+2 and 3+4.", run_id="sync-1")
    assert result.text == "3 and 7."
    assert [c[0] for c in CALLS] == ["add 1 2", "add 3 4"]
    assert CALLS[0][3] <= CALLS[1][2]  # the second began after the first ended
    assert CALLS[0][1] == CALLS[1][1]  # in one thread: the workflow's
    names = [s["function_name"] for s in DBOS.list_workflow_steps("sync-1")]
    assert names == [
        "agentloop.model",
        "agentloop.tool.add",
        "agentloop.tool.add",
        "agentloop.model",
    ]


@pytest.mark.anyio
async def test_an_api_error_ends_the_run_as_a_value_and_is_raised_typed(launch: Any) -> None:
    fake = FakeAnthropic([http_error(429, "rate_limit_error", "slow down")])
    client = fake.async_client(max_retries=0)
    durable = DurableAgent(Agent(model=MODEL, client=client), name="unit-api-error")
    launch()
    with pytest.raises(RateLimitError) as raised:
        await durable.arun("Hello", run_id="error-1")
    assert raised.value.status_code == 429
    assert raised.value.result is not None and raised.value.result.run_id == "error-1"
    status = await DBOS.get_workflow_status_async("error-1")
    assert status is not None and status.status == "SUCCESS"  # the error is the run's value
    with pytest.raises(RateLimitError):  # and it stays the run's outcome
        await durable.aresult("error-1")


@pytest.mark.anyio
async def test_a_run_limit_is_raised_with_the_run(launch: Any) -> None:
    fake = FakeAnthropic(two_adds())
    agent = Agent(model=MODEL, tools=[add], client=fake.async_client(), max_requests=1)
    durable = DurableAgent(agent, name="unit-limit")
    launch()
    with pytest.raises(RequestLimitExceeded) as raised:
        await durable.arun("Add.", run_id="limit-1")
    assert raised.value.result is not None
    assert [m["role"] for m in raised.value.result.messages] == ["user", "assistant", "user"]


@pytest.mark.anyio
async def test_a_sync_run_refuses_to_block_an_event_loop() -> None:
    durable = DurableAgent(Agent(model=MODEL), name="unit-in-loop")
    with pytest.raises(ConfigurationError, match=r"await durable\.arun"):
        durable.run("Hello")


@pytest.mark.anyio
async def test_a_run_before_dbos_exists_says_what_to_do() -> None:
    durable = DurableAgent(Agent(model=MODEL), name="unit-no-dbos")
    with pytest.raises(ConfigurationError, match=r"DBOS\(config=dbos_config\(\.\.\.\)\)"):
        await durable.arun("Hello")


def test_a_replayed_tool_step_must_answer_its_call() -> None:
    call = ToolUseBlock(type="tool_use", id="t2", name="add", input={"a": 1, "b": 2})
    other = ToolCallOutcome("t1", "add", ToolResult("3")).to_json()
    with pytest.raises(ReplayMismatchError, match=r"answers add \(t1\), but the run now asks"):
        outcome_of(other, call, "run-9")
    same = ToolCallOutcome("t2", "add", ToolResult("3")).to_json()
    assert outcome_of(same, call, "run-9").tool_use_id == "t2"


def test_decisions_must_be_approve_or_deny(launch: Any) -> None:
    launch()
    with pytest.raises(ConfigurationError, match="must be Approve"):
        send_decisions("nobody", {"t1": "yes"})  # type: ignore[dict-item]
    with pytest.raises(ConfigurationError, match="does not wait on tool calls"):
        send_decisions("nobody", {"t1": Approve()})
