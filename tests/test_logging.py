"""Without structlog configured, events go to stdlib logging, never to stdout."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import logging, sys
import httpx
from agentloop import Agent, Client, tool
from agentloop.testing import FakeAnthropic, reply, tool_use

if sys.argv[1] == "on":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")

@tool
def f() -> str:
    "Do it."
    return "ok"

fake = FakeAnthropic([reply(tool_use("f", {})), reply("done")])
client = Client(api_key="sk-secret-key", http_client=httpx.Client(transport=fake.transport))
Agent(model="claude-sonnet-4-6", tools=[f], client=client).run("go")
"""


def run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, check=True
    )


def test_the_library_never_prints():
    quiet = run("off")
    assert quiet.stdout == ""
    assert quiet.stderr == ""


def test_events_reach_stdlib_logging_when_the_application_enables_it():
    loud = run("on")
    assert loud.stdout == ""
    names = [line.split()[1] for line in loud.stderr.splitlines() if line.startswith("agentloop ")]
    assert names == ["run.start", "model.request", "tool.call", "model.request", "run.finish"]
    assert "sk-secret-key" not in loud.stderr
