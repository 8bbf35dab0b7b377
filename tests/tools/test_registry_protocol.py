"""Registry protocol v2, run by both drivers: listing context, async-only registries,
stateless wrappers, name clashes and names, schemas by draft, deadlines, lifecycle."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from structlog.testing import capture_logs

from agentloop import Agent, RunContext, ToolResult, tool
from agentloop._exceptions import ToolDefinitionError
from agentloop._tools import api_name
from agentloop.testing import FakeAnthropic, reply, tool_use
from helpers import Runner

SCHEMA = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}


@pytest.fixture(params=["sync", "async"])
def runner(request: pytest.FixtureRequest) -> Iterator[Runner]:
    fake = FakeAnthropic(round_trip=True)
    yield Runner(request.param, fake)
    fake.assert_clean()


def definition(name: str, schema: Any = SCHEMA) -> dict[str, Any]:
    return {"name": name, "description": "A tool.", "input_schema": schema}


def sent_names(fake: FakeAnthropic, request: int) -> list[str]:
    return [t["name"] for t in fake.requests[request].body.get("tools", [])]


def results_of(fake: FakeAnthropic, request: int) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = fake.requests[request].messages[-1]["content"]
    return content


# --- definitions(ctx) ------------------------------------------------------------------


@pytest.mark.anyio
async def test_definitions_get_the_runs_context(runner: Runner):
    seen: list[tuple[Any, str, str, int]] = []

    class PerUser:
        def definitions(self, ctx: RunContext[Any]) -> list[dict[str, Any]]:
            seen.append((ctx.deps, ctx.run_id, ctx.model, len(ctx.messages)))
            return [definition(f"for_{ctx.deps}")]

        def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
            return ToolResult(f"{name} ran for {ctx.deps}")

    runner.fake.add(reply(tool_use("for_ada", {"q": "x"})), reply("ok"))
    await runner.run(runner.agent(tools=PerUser()), "go", deps="ada", run_id="run-7")
    assert seen == [
        ("ada", "run-7", "claude-sonnet-4-6", 1),
        ("ada", "run-7", "claude-sonnet-4-6", 3),
    ]
    assert sent_names(runner.fake, 0) == ["for_ada"]
    assert results_of(runner.fake, 1)[0]["content"] == "for_ada ran for ada"


@pytest.mark.anyio
async def test_the_zero_argument_form_still_works_with_a_deprecation_warning(runner: Runner):
    class Old:
        def definitions(self) -> list[dict[str, Any]]:
            return [definition("old")]

        def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
            return ToolResult("old ran")

    runner.fake.add(reply(tool_use("old", {"q": "x"})), reply("ok"))
    with pytest.warns(DeprecationWarning, match=r"Old: definitions\(\) without a context"):
        await runner.run(runner.agent(tools=Old()), "go")
    assert results_of(runner.fake, 1)[0]["content"] == "old ran"


# --- async-only registries ---------------------------------------------------------------


class LoopBound:
    """An async-only registry holding a connection bound to the loop that opened it."""

    def __init__(self) -> None:
        self.loops: set[int] = set()
        self.lock: asyncio.Lock | None = None

    async def _use(self) -> None:
        self.loops.add(id(asyncio.get_running_loop()))
        if self.lock is None:
            self.lock = asyncio.Lock()
        async with self.lock:  # a lock used from another loop raises RuntimeError
            await asyncio.sleep(0)

    async def adefinitions(self, ctx: RunContext[Any]) -> list[dict[str, Any]]:
        await self._use()
        return [definition("remote")]

    async def acall(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        await self._use()
        return ToolResult(f"remote:{input['q']}")


def test_an_async_only_registry_under_a_sync_run_uses_one_loop():
    registry = LoopBound()
    fake = FakeAnthropic([
        reply(tool_use("remote", {"q": "a"}), tool_use("remote", {"q": "b"})),
        reply(tool_use("remote", {"q": "c"})),
        reply("done"),
    ])  # fmt: skip
    result = Agent(model="claude-sonnet-4-6", tools=registry, client=fake.client()).run("go")
    assert result.text == "done"
    assert [b["content"] for b in results_of(fake, 1)] == ["remote:a", "remote:b"]
    assert len(registry.loops) == 1  # the portal's loop, every time


# --- stateless wrappers ---------------------------------------------------------------------


class SchemaPerRun:
    """One tool, whose input type depends on the run (its deps)."""

    def definitions(self, ctx: RunContext[Any]) -> list[dict[str, Any]]:
        kind = ctx.deps
        return [definition("t", {"type": "object", "properties": {"q": {"type": kind}}})]

    def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        return ToolResult(f"{ctx.deps} {input['q']!r}")


def test_two_runs_at_once_never_see_each_others_listing():
    fake = FakeAnthropic([reply(tool_use("t", {"q": "x"})), reply(tool_use("t", {"q": 1}))])
    agent = Agent(model="claude-sonnet-4-6", tools=SchemaPerRun(), client=fake.client())
    text_run, number_run = agent.start("a", deps="string"), agent.start("b", deps="integer")
    text_run.feed(text_run.request_model())  # lists with the string schema
    number_run.feed(number_run.request_model())  # lists with the integer schema
    [text_call], [number_call] = text_run.next().calls, number_run.next().calls
    assert text_run.call_tool(text_call).result == ToolResult("string 'x'")
    assert number_run.call_tool(number_call).result == ToolResult("integer 1")


def test_a_resumed_run_lists_before_its_first_call():
    fake = FakeAnthropic([reply(tool_use("t", {"q": 5}))])
    agent = Agent(model="claude-sonnet-4-6", tools=SchemaPerRun(), client=fake.client())
    run = agent.start("a", deps="string")
    run.feed(run.request_model())
    resumed = agent.resume(run.state.model_dump_json(), deps="string")
    [call] = resumed.next().calls
    bad = resumed.call_tool(call).result
    assert bad.is_error and "q: 5 is not of type 'string'" in str(bad.content)


# --- clashes and names -------------------------------------------------------------------------


class Named:
    def __init__(self, *names: str) -> None:
        self.names = names
        self.called: list[str] = []

    def definitions(self, ctx: RunContext[Any]) -> list[dict[str, Any]]:
        return [definition(n) for n in self.names]

    def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        self.called.append(name)
        return ToolResult(f"{name} ran")


@pytest.mark.anyio
async def test_a_name_clash_fails_at_the_first_listing_before_any_request(runner: Runner):
    agent = runner.agent(tools=[Named("search"), Named("search")])
    with pytest.raises(ToolDefinitionError, match=r"'search' is defined by both.*PrefixedRegistry"):
        await runner.run(agent, "go")
    assert runner.fake.requests == []


@pytest.mark.anyio
async def test_names_the_api_refuses_are_mapped_and_routed_back(runner: Runner):
    long = "x" * 70
    registry = Named("files.read", long)
    runner.fake.add(
        reply(tool_use("files_read", {"q": "a"}), tool_use(api_name(long), {"q": "b"})),
        reply("ok"),
    )
    await runner.run(runner.agent(tools=registry), "go")
    assert sent_names(runner.fake, 0) == ["files_read", api_name(long)]
    assert sorted(registry.called) == sorted(["files.read", long])


def test_api_name_is_stable_valid_and_keeps_long_names_apart():
    assert api_name("get_weather") == "get_weather"
    assert api_name("files.read/v2") == "files_read_v2"
    a, b = api_name("a" * 100), api_name("a" * 99 + "b")
    assert len(a) == len(b) == 64 and a != b and a == api_name("a" * 100)
    assert a[:55] == "a" * 55 and a[55] == "_"


def test_two_names_that_become_one_clash_with_a_fix():
    agent = Agent(
        model="claude-sonnet-4-6", tools=Named("a.b", "a_b"), client=FakeAnthropic().client()
    )
    with pytest.raises(ToolDefinitionError, match=r"both become 'a_b'.*FilteredRegistry"):
        agent.run("go")


# --- schemas by draft ----------------------------------------------------------------------------

DRAFT_04 = {"type": "object", "properties": {"n": {"type": "number", "minimum": 0,
            "exclusiveMinimum": True}}}  # fmt: skip


class Schemas(Named):
    def __init__(self, schema: Any, on_invalid_schema: str | None = None) -> None:
        super().__init__("good", "old")
        self.schema = schema
        if on_invalid_schema is not None:
            self.on_invalid_schema = on_invalid_schema

    def definitions(self, ctx: RunContext[Any]) -> list[dict[str, Any]]:
        return [definition("good"), definition("old", self.schema)]


def test_an_older_draft_without_schema_raises_with_the_fix():
    agent = Agent(
        model="claude-sonnet-4-6", tools=Schemas(DRAFT_04), client=FakeAnthropic().client()
    )
    with pytest.raises(
        ToolDefinitionError, match=r'tool \'old\'.*True is not of type.*"\$schema".*skip'
    ):
        agent.run("go")


def test_on_invalid_schema_skip_leaves_the_tool_out_with_a_warning():
    fake = FakeAnthropic([reply("ok")])
    agent = Agent(model="claude-sonnet-4-6", tools=Schemas(DRAFT_04, "skip"), client=fake.client())
    with capture_logs() as logs:
        agent.run("go")
    assert sent_names(fake, 0) == ["good"]
    [warning] = [e for e in logs if e["event"] == "tool.schema_skipped"]
    assert warning["tool"] == "old" and warning["log_level"] == "warning"


def test_a_declared_draft_04_schema_is_validated_by_draft_04_rules():
    schema = {"$schema": "http://json-schema.org/draft-04/schema#", **DRAFT_04}
    fake = FakeAnthropic(
        [reply(tool_use("old", {"n": 0})), reply(tool_use("old", {"n": 1})), reply("ok")]
    )
    registry = Schemas(schema)
    Agent(model="claude-sonnet-4-6", tools=registry, client=fake.client()).run("go")
    bad = results_of(fake, 1)[0]
    assert (
        bad["is_error"] is True
        and "n: 0 is less than or equal to the minimum of 0" in bad["content"]
    )
    assert registry.called == ["old"]


# --- deadlines ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_call_deadline_is_on_the_context(runner: Runner):
    seen: dict[str, Any] = {}

    @tool(timeout=30)
    def timed(ctx: RunContext[Any]) -> str:
        """Has a timeout."""
        seen["timed"] = ctx.remaining()
        return "ok"

    @tool
    def untimed(ctx: RunContext[Any]) -> str:
        """Has none."""
        seen["untimed"] = (ctx.deadline, ctx.remaining())
        return "ok"

    runner.fake.add(reply(tool_use("timed", {}), tool_use("untimed", {})), reply("done"))
    await runner.run(runner.agent(tools=[timed, untimed]), "go")
    assert 0 < seen["timed"] <= 30
    assert seen["untimed"] == (None, None)


# --- lifecycle ---------------------------------------------------------------------------------------


class Connected(Named):
    def __init__(self) -> None:
        super().__init__("ping")
        self.events: list[tuple[str, Any]] = []

    async def __aenter__(self) -> Connected:
        self.events.append(("enter", asyncio.current_task()))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.events.append(("exit", asyncio.current_task()))


@pytest.mark.anyio
async def test_async_with_agent_enters_and_leaves_registries_in_this_task():
    registry = Connected()
    agent = Agent(model="claude-sonnet-4-6", tools=[registry, Named("other")],
                  client=FakeAnthropic().async_client())  # fmt: skip
    async with agent:
        assert registry.events == [("enter", asyncio.current_task())]
    assert registry.events[1] == ("exit", asyncio.current_task())


def test_with_agent_enters_registries_on_the_portal_loop():
    from agentloop._tools._portal import portal_loop

    registry = Connected()
    fake = FakeAnthropic([reply(tool_use("ping", {"q": "x"})), reply("ok")])
    with Agent(model="claude-sonnet-4-6", tools=registry, client=fake.client()) as agent:
        agent.run("go")
    [(enter, entered), (exit_, left)] = registry.events
    assert (enter, exit_) == ("enter", "exit")
    assert entered.get_loop() is left.get_loop() is portal_loop()
    assert registry.called == ["ping"]


NO_PORTAL = """
import threading
from agentloop import Agent

def f(x: int) -> int:
    "F."
    return x

with Agent(model="claude-sonnet-4-6", tools=[f]):
    pass
print([t.name for t in threading.enumerate() if t.name == "agentloop-portal"])
"""


def test_an_agent_without_connections_starts_no_portal():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", NO_PORTAL], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


FIRST_PORTAL_USE = """
import asyncio, sys, threading
from agentloop import RunContext, ToolResult
from agentloop._tools import call_tool

loops = set()

class Remote:
    async def adefinitions(self, ctx):
        return []

    async def acall(self, name, input, ctx):
        loops.add(id(asyncio.get_running_loop()))
        return ToolResult("ok")

remote = Remote()
barrier = threading.Barrier(8)
results = []

def worker():
    barrier.wait()
    results.append(call_tool(remote, "x", {}, RunContext(deps=None)).content)

threads = [threading.Thread(target=worker) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
portals = [t.name for t in threading.enumerate() if t.name == "agentloop-portal"]
print(len(loops), results.count("ok"), portals)
"""


def test_the_portal_starts_once_when_many_threads_reach_it_first():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", FIRST_PORTAL_USE], capture_output=True, text=True)
    assert done.stdout.strip() == "1 8 ['agentloop-portal']", done.stderr
