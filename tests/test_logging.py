"""Where events go: stdlib logging by default, structlog when chosen or capturing.

First-use paths are tested in fresh subprocesses: the suite imports
everything early, which would hide import-order bugs.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PRELUDE = """
import json, logging, sys
import httpx
from agentloop import Agent, Client, tool
from agentloop.testing import FakeAnthropic, reply, tool_use

def agent(tools, script, **options):
    fake = FakeAnthropic(script)
    client = Client(api_key="sk-secret-key", http_client=httpx.Client(transport=fake.transport))
    return Agent(model="claude-sonnet-4-6", tools=tools, client=client, **options)
"""

SCRIPT = (
    PRELUDE
    + """
if sys.argv[1] == "on":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")

@tool
def f() -> str:
    "Do it."
    return "ok"

agent([f], [reply(tool_use("f", {})), reply("done")]).run("go")
"""
)


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done


def test_the_library_never_prints():
    quiet = run(SCRIPT, "off")
    assert quiet.stdout == ""
    assert quiet.stderr == ""


def test_events_reach_stdlib_logging_when_the_application_enables_it():
    loud = run(SCRIPT, "on")
    assert loud.stdout == ""
    names = [line.split()[1] for line in loud.stderr.splitlines() if line.startswith("agentloop ")]
    assert names == ["run.start", "model.request", "tool.call", "model.request", "run.finish"]
    assert "sk-secret-key" not in loud.stderr


# --- parallel tools that raise, in a fresh process (the first events come from 4 threads) ---

PARALLEL_RAISING = (
    PRELUDE
    + """
mode = sys.argv[1]
records = []
if mode == "level":  # enabled, but no handler: Python's last resort would print
    logging.getLogger("agentloop").setLevel(logging.INFO)
elif mode == "handler":
    class Collect(logging.Handler):
        def emit(self, record):
            records.append((record.getMessage(), self.format(record)))
    logging.getLogger("agentloop").addHandler(Collect())
    logging.getLogger("agentloop").setLevel(logging.INFO)

@tool
def boom(n: int) -> str:
    "Fail."
    raise RuntimeError(f"boom {n}")

calls = [tool_use("boom", {"n": n}) for n in range(4)]
result = agent([boom], [reply(*calls), reply("done")], max_concurrency=4).run("go")
answers = result.messages[2]["content"]
print(json.dumps({
    "answers": sorted(a["content"] for a in answers),
    "errors": sorted(text for name, text in records if name == "tool.error"),
    "names": [name for name, _ in records],
}))
"""
)


@pytest.mark.parametrize("mode", ["default", "level", "handler"])
def test_parallel_raising_tools_in_fresh_processes_neither_crash_nor_print(mode: str):
    for _ in range(3):
        done = run(PARALLEL_RAISING, mode)
        assert done.stderr == ""
        out = json.loads(done.stdout)  # the script's one line: the library printed nothing
        assert out["answers"] == [f"RuntimeError: boom {n}" for n in range(4)]
        if mode == "handler":
            assert out["names"].count("tool.error") == 4
            assert out["names"][-1] == "run.finish"
            for n, text in enumerate(out["errors"]):
                assert text.startswith("tool.error\nTraceback (most recent call last):")
                assert text.endswith(f"RuntimeError: boom {n}")


# --- the logger, first reached from many threads while structlog is being imported ---

MANY_THREADS = """
import importlib, logging, sys, threading
from agentloop._logging import get_logger, info_enabled

assert "structlog" not in sys.modules
if sys.argv[1] == "info":
    logging.getLogger("agentloop").setLevel(logging.INFO)
barrier = threading.Barrier(16)
failures = []

def work(i):
    barrier.wait()
    try:
        if i % 4 == 0:
            importlib.import_module("structlog")
        info_enabled()
        get_logger().error("tool.error", tool="t", tool_use_id=str(i), error="x")
        get_logger().info("tool.call", tool="t", tool_use_id=str(i))
    except Exception as exc:
        failures.append(repr(exc))

threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(failures)
"""


@pytest.mark.parametrize("level", ["default", "info"])
def test_get_logger_first_reached_from_many_threads(level: str):
    for _ in range(3):
        done = run(MANY_THREADS, level)
        assert done.stdout == "[]\n"
        assert done.stderr == ""


OTHER_LAZY_IMPORTS = """
import sys, threading
from agentloop import RunContext, tool

lazy = ("jsonschema", "docstring_parser", "structlog")
assert not [m for m in lazy if m in sys.modules]
barrier = threading.Barrier(12)
failures = []

def work(i):
    barrier.wait()
    try:
        def add(a: int, b: int) -> int:
            '''Add two numbers.

            Args:
                a: The first.
                b: The second.
            '''
            return a + b

        async def later(a: int) -> int:
            '''Wait, then answer.'''
            return a

        made = tool(add)  # docstring_parser, jsonschema
        assert made.definition["input_schema"]["properties"]["a"]["description"] == "The first."
        ctx = RunContext(deps=None, tool_use_id=f"toolu_{i}", tool_name="add", run_id="r", model="m")
        assert made.call({"a": 1, "b": 2}, ctx).content == "3"
        bad = made.call({"a": "x"}, ctx)  # jsonschema's error path
        assert bad.is_error and "Invalid input" in bad.content, bad
        assert tool(later).call({"a": 5}, ctx).content == "5"  # asyncio, in this thread
    except BaseException as exc:
        failures.append(repr(exc))

threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
for t in threads: t.start()
for t in threads: t.join()
print(failures)
"""


def test_other_lazy_imports_first_reached_from_many_threads():
    for _ in range(2):
        done = run(OTHER_LAZY_IMPORTS)
        assert done.stdout == "[]\n"
        assert done.stderr == ""


# --- structlog: captured while capture_logs() is active, silent after it ---

AFTER_CAPTURE = (
    PRELUDE
    + """
from structlog.testing import capture_logs
from agentloop import RunContext

class Secret:
    def __repr__(self):
        return "SECRET-DEPS"

@tool
def boom(ctx: RunContext) -> str:
    "Fail."
    deps = ctx.deps  # a local of the failing frame
    raise RuntimeError("boom")

def plain(value):
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(map(plain, value))
    return value is None or isinstance(value, (str, int, float, bool))

script = lambda: [reply(tool_use("boom", {})), reply("done")]
with capture_logs() as events:
    agent([boom], script()).run("go", deps=Secret())
agent([boom], script()).run("go", deps=Secret())  # after the block: nowhere to go
print(json.dumps({
    "names": [e["event"] for e in events],
    "plain": [e["event"] for e in events if not plain(e)],
    "secret": [e["event"] for e in events if "SECRET-DEPS" in repr(e)],
}))
"""
)


def test_capture_logs_captures_and_nothing_prints_after_it():
    done = run(AFTER_CAPTURE)
    assert done.stderr == ""
    out = json.loads(done.stdout)  # one line, the script's own
    assert out["names"] == [
        "run.start",
        "model.request",
        "tool.error",
        "tool.call",
        "model.request",
        "run.finish",
    ]
    assert out["plain"] == []  # only plain data: no exception, no deps, no client
    assert out["secret"] == []


CHOSEN = (
    PRELUDE
    + """
import structlog
import agentloop.logging

structlog.configure(
    processors=[structlog.processors.add_log_level, structlog.processors.JSONRenderer()],
    logger_factory=structlog.PrintLoggerFactory(sys.stderr),
)

@tool
def boom() -> str:
    "Fail."
    raise RuntimeError("boom")

script = lambda: [reply(tool_use("boom", {})), reply("done")]
agent([boom], script()).run("go")  # configured, not chosen: stdlib (silent)
sys.stderr.write("--chosen--\\n")
agentloop.logging.use_structlog()
agent([boom], script()).run("go")
sys.stderr.write("--unchosen--\\n")
agentloop.logging.use_structlog(False)
agent([boom], script()).run("go")
"""
)


def test_structlog_only_when_the_application_chooses_it():
    done = run(CHOSEN)
    assert done.stdout == ""
    before, rest = done.stderr.split("--chosen--\n")
    chosen, after = rest.split("--unchosen--\n")
    assert before == after == ""
    events = [json.loads(line) for line in chosen.splitlines()]
    assert [e["event"] for e in events] == [
        "run.start",
        "model.request",
        "tool.error",
        "tool.call",
        "model.request",
        "run.finish",
    ]
    error = events[2]
    assert error["level"] == "error"
    assert error["exception"].endswith("RuntimeError: boom\n")
    assert "sk-secret-key" not in chosen
