"""MCPRegistry on its own: results, names, errors, timeouts, stderr, lifecycle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agentloop import Agent, CombinedRegistry, ConfigurationError, PrefixedRegistry, RunContext
from agentloop._exceptions import ToolDefinitionError
from agentloop._tools import ToolResult, as_registry, list_definitions
from agentloop.mcp import MCPConnectionError, MCPRegistry
from agentloop.testing import FakeAnthropic, reply

SERVER = str(Path(__file__).with_name("mcp_server.py"))
CTX: RunContext[None] = RunContext(deps=None, tool_use_id="toolu_1")
PNG_B64 = "iVBORw0KGgoAAAAAAAAAAA=="


@pytest.fixture(scope="module")
def shared(http_url: str) -> Any:
    """One HTTP connection for the module, entered from sync code (the portal loop)."""
    with MCPRegistry.http(http_url) as registry:
        yield registry


def test_results_become_tool_results(shared: MCPRegistry):
    assert shared.call("echo", {"text": "hi"}, CTX) == ToolResult("hi")
    assert shared.call("stats", {"numbers": [1, 2.5]}, CTX) == ToolResult('{"count":2,"total":3.5}')
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64},
    }
    assert shared.call("pixel", {}, CTX) == ToolResult([image])
    assert shared.call("fail", {"reason": "x"}, CTX) == ToolResult(
        "Error executing tool fail: cannot: x", is_error=True
    )
    # a crash hides its message unless the server raises its own ToolError
    assert shared.call("crash", {}, CTX) == ToolResult("Error executing tool crash", is_error=True)


def test_a_dotted_name_is_shown_cleaned_and_routed_back(shared: MCPRegistry):
    names = [d["name"] for d in shared.definitions(CTX)]
    assert "files_read" in names and "files.read" not in names
    assert shared.call("files_read", {"path": "a.txt"}, CTX) == ToolResult("contents of a.txt")


def test_an_unknown_name_lists_again_then_answers_with_an_error(shared: MCPRegistry):
    result = shared.call("nope", {}, CTX)
    assert result.is_error and "Unknown tool 'nope'. Available tools: echo, stats" in result.content


@pytest.mark.anyio
async def test_a_connection_made_in_sync_code_serves_async_code(shared: MCPRegistry):
    assert await shared.acall("echo", {"text": "across"}, CTX) == ToolResult("across")
    assert "echo" in [d["name"] for d in await shared.adefinitions(CTX)]


def test_the_registry_timeout_ends_a_call_and_the_session_goes_on(http_url: str):
    with MCPRegistry.http(http_url, timeout=0.3) as registry:
        assert registry.call("slow", {"seconds": 60}, CTX) == ToolResult(
            "TimeoutError: tool slow did not finish within 0.3 seconds", is_error=True
        )
        assert registry.call("echo", {"text": "next"}, CTX) == ToolResult("next")


def test_the_context_deadline_bounds_a_call(shared: MCPRegistry):
    from agentloop._context import with_deadline

    result = shared.call("slow", {"seconds": 60}, with_deadline(CTX, 0.3))
    assert result.is_error and result.content.startswith("TimeoutError: tool slow")


def test_unconnected_use_fails_at_once_with_the_fix(http_url: str):
    registry = MCPRegistry.http(http_url)
    with pytest.raises(ConfigurationError, match="not connected: enter it first"):
        registry.definitions(CTX)
    fake = FakeAnthropic([reply("hi")])
    with pytest.raises(ConfigurationError, match="with agent:"):
        Agent(model="claude-sonnet-4-6", tools=registry, client=fake.client()).run("hi")


def test_two_servers_with_one_tool_name_clash_when_listed_and_a_prefix_fixes_it(
    shared: MCPRegistry, http_url: str
):
    with MCPRegistry.http(http_url) as other:
        with pytest.raises(
            ToolDefinitionError, match=r"'echo' is defined by both .* PrefixedRegistry"
        ):
            list_definitions(as_registry([shared, other]))
        combined = CombinedRegistry(shared, PrefixedRegistry(other, "b"))
        names = [d["name"] for d in list_definitions(combined)]
        assert "echo" in names and "b_echo" in names
        assert combined.call("b_echo", {"text": "two"}, CTX) == ToolResult("two")


def test_the_prefix_option_names_tools(http_url: str):
    with MCPRegistry.http(http_url, prefix="srv") as registry:
        names = [d["name"] for d in registry.definitions(CTX)]
    assert "srv_echo" in names and "srv_files_read" in names


def test_an_agent_enters_wrapped_registries_and_leaves_them(http_url: str):
    registry = MCPRegistry.http(http_url)
    agent = Agent(model="claude-sonnet-4-6", tools=[PrefixedRegistry(registry, "p")])
    with agent:
        assert registry.connected
    assert not registry.connected


# --- connecting fails with typed errors --------------------------------------------------


def test_a_missing_command():
    registry = MCPRegistry.stdio("no-such-mcp-server-command")
    with pytest.raises(MCPConnectionError, match="command was not found") as caught:
        registry.__enter__()
    assert isinstance(caught.value, ConfigurationError)


def test_a_process_that_is_not_an_mcp_server():
    registry = MCPRegistry.stdio(sys.executable, "-c", "print('hello')", stderr=os.devnull)
    with pytest.raises(MCPConnectionError, match="closed the connection"):
        registry.__enter__()


@pytest.mark.anyio
async def test_a_dead_port(dead_url: str):
    with pytest.raises(MCPConnectionError, match="nothing answers at that address") as caught:
        async with MCPRegistry.http(dead_url):
            pass
    assert "ConnectError" in str(caught.value)


def test_a_server_that_never_answers_hits_the_connect_timeout():
    sleeper = MCPRegistry.stdio(
        sys.executable, "-c", "import time; time.sleep(60)", connect_timeout=0.5
    )
    with pytest.raises(MCPConnectionError, match=r"not connected within 0\.5 s"):
        sleeper.__enter__()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: MCPRegistry.stdio(""), "needs a command"),
        (lambda: MCPRegistry.http("ftp://x"), "must start with http"),
        (lambda: MCPRegistry.http("http://x", prefix="a.b"), "invalid tool name prefix"),
        (lambda: MCPRegistry.http("http://x", connect_timeout=0), "connect_timeout=0"),
        (lambda: MCPRegistry.http("http://x", on_invalid_schema="ignore"), "'raise' or 'skip'"),
        (lambda: MCPRegistry.stdio("x", stderr=object()), "stderr="),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_are_refused_at_once(call: Any, message: str):
    with pytest.raises(ConfigurationError, match=message):
        call()


# --- stderr ----------------------------------------------------------------------------


def test_server_stderr_goes_where_the_user_chose(tmp_path: Path):
    log = tmp_path / "server.log"
    with MCPRegistry.stdio(sys.executable, SERVER, stderr=log) as registry:
        assert registry.call("crash", {}, CTX).is_error
    assert "a secret detail" in log.read_text()  # the server's traceback, not in our stderr


# --- import cost --------------------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_import_agentloop_never_imports_mcp():
    done = run_python(
        "import sys, agentloop; print('mcp' in sys.modules, 'agentloop.mcp' in sys.modules)"
    )
    assert done.stdout.strip() == "False False", done.stderr


def test_agentloop_mcp_without_the_package_says_what_to_install():
    done = run_python("import sys; sys.modules['mcp'] = None\nimport agentloop.mcp")
    assert "pip install 'agentloop[mcp]'" in done.stderr


def test_agentloop_mcp_imports_in_a_fresh_process():
    done = run_python("from agentloop.mcp import MCPRegistry, load_mcp_config; print('ok')")
    assert done.stdout.strip() == "ok", done.stderr


# --- config files ----------------------------------------------------------------------------


def test_load_mcp_config_gives_one_prefixed_registry_per_server(tmp_path: Path, http_url: str):
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": {
        "local": {"command": sys.executable, "args": [SERVER], "env": {"X": "1"}},
        "remote.api": {"url": http_url, "headers": {"Authorization": "Bearer t"}},
    }}))  # fmt: skip
    from agentloop.mcp import load_mcp_config

    local, remote = load_mcp_config(path, stderr=os.devnull)
    assert (local.prefix, remote.prefix) == ("local", "remote_api")
    with remote:
        assert remote.call("remote_api_echo", {"text": "cfg"}, CTX) == ToolResult("cfg")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"servers": {}}, "expected"),
        ({"mcpServers": {"a": {}}}, "neither a command"),
        ({"mcpServers": {"a": {"command": "x", "args": "y"}}}, "args must be a list"),
        ({"mcpServers": {"a": {"command": "x", "timeout": 3}}}, "unknown key"),
        ({"mcpServers": {"a": {"url": "http://x", "type": "sse"}}}, "not supported"),
        ({"mcpServers": {"a": {"url": "http://x", "headers": {"k": 1}}}}, "map strings"),
    ],
)
def test_load_mcp_config_refuses_what_it_cannot_use(tmp_path: Path, data: Any, message: str):
    from agentloop.mcp import load_mcp_config

    path = tmp_path / "mcp.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigurationError, match=message):
        load_mcp_config(path)


def test_load_mcp_config_names_a_missing_or_broken_file(tmp_path: Path):
    from agentloop.mcp import load_mcp_config

    with pytest.raises(ConfigurationError, match="does not exist"):
        load_mcp_config(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ConfigurationError, match="not readable JSON"):
        load_mcp_config(tmp_path / "bad.json")


def test_load_mcp_config_refuses_unknown_options(tmp_path: Path):
    from agentloop.mcp import load_mcp_config

    with pytest.raises(ConfigurationError, match="unknown option"):
        load_mcp_config(tmp_path / "x.json", retries=3)
