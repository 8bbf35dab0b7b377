"""Issue 17 on the wire: a recorded conversation replayed under each API version,
and the official ``anthropic`` SDK, with its default headers, against the local
server started as a subprocess."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from agentloop import Agent, tool
from agentloop.testing import FakeAnthropic, Script, reply, text

RECORDED = Path(__file__).parent / "data" / "recorded_conversation.json"
MODEL = "claude-sonnet-4-6"


@tool
def order_status(order_id: str) -> str:
    """Look up the shipping status of an order.

    Args:
        order_id: The order's id, e.g. A-1.
    """
    return f"{order_id}: shipped 2026-10-19, arriving 2026-10-22"


def replay(version: str, stream: bool) -> tuple[FakeAnthropic, list[str], list[Any]]:
    fake = FakeAnthropic.from_file(RECORDED, round_trip=True)
    settings: dict[str, Any] = {"temperature": 0.2} if version == "2023-06-01" else {}
    client = fake.client(api_version=version)
    agent = Agent(MODEL, tools=[order_status], client=client, **settings)
    with capture_logs() as logs:
        if stream:
            with agent.stream("Where is order A-1?") as run:
                first = run.result()
        else:
            first = agent.run("Where is order A-1?")
        second = agent.run([*first.messages, {"role": "user", "content": "Thanks!"}])
    fake.assert_clean()
    fake.assert_consumed()
    events = [e.get("cache_miss_reason") for e in logs if e["event"] == "model.request"]
    return fake, [first.text, second.text], [*second.messages, events]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_a_recorded_conversation_replays_the_same_under_each_version(stream: bool):
    new_fake, new_texts, new_rest = replay("2026-10-21", stream)
    old_fake, old_texts, old_rest = replay("2023-06-01", stream)
    assert new_texts == old_texts == ["Order A-1 shipped on Monday and arrives Thursday.",
                                      "You're welcome."]  # fmt: skip
    assert new_rest == old_rest
    assert new_rest[-1] == [None, "new_prompt", None]
    for fake, version in ((new_fake, "2026-10-21"), (old_fake, "2023-06-01")):
        assert {r.headers["anthropic-version"] for r in fake.requests} == {version}
        assert len(fake.requests) == 3
    assert all("temperature" not in r.body for r in new_fake.requests)
    assert all(r.body["temperature"] == 0.2 for r in old_fake.requests)
    cited = new_fake.requests[2].body["messages"][3]["content"][0]
    assert cited["citations"][0]["cited_text"] == "shipped 2026-10-19"


# --- the official SDK against the local server ----------------------------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    script = tmp_path / "sdk.json"
    Script([reply(text("Hello from the fake.")), reply(text("Streamed hello.")),
            reply(text("Old headers still work."))]).dump(script)  # fmt: skip
    command = [sys.executable, "-m", "agentloop.testing.server", "--script", str(script),
               "--port", "0"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr and process.stderr.read()
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)


def test_the_official_sdk_with_its_default_headers_runs_against_the_local_server(
    server: tuple[str, subprocess.Popen[str]],
):
    anthropic = pytest.importorskip("anthropic")
    url, process = server
    sdk = anthropic.Anthropic(api_key="sk-ant-test", base_url=url, max_retries=0)
    message = sdk.messages.create(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "Hi"}]
    )
    assert message.content[0].text == "Hello from the fake."
    assert message.stop_reason == "end_turn"
    with sdk.messages.stream(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "Hi"}]
    ) as stream:
        assert "".join(stream.text_stream) == "Streamed hello."
        assert stream.get_final_message().usage.output_tokens > 0

    # The SDK 2.x no longer takes temperature (removed in 2026-10-21): sent raw, it is refused.
    sampling = {"temperature": 0.5}
    with pytest.raises(anthropic.BadRequestError, match="temperature was removed"):
        sdk.messages.create(
            model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "Hi"}],
            extra_body=sampling,
        )  # fmt: skip
    old = sdk.with_options(default_headers={"anthropic-version": "2023-06-01"})
    answer = old.messages.create(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "Hi"}],
        extra_body=sampling,
    )  # fmt: skip
    assert answer.content[0].text == "Old headers still work."

    state = httpx.get(f"{url}/_agentloop/state", timeout=10).json()
    assert state["requests"] == 4 and state["remaining"] == 0
    assert len(state["violations"]) == 1
    assert "request 3: sampling parameters" in state["violations"][0]
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 1  # the one refused request above
    assert json.dumps(stderr).count("request ") == 1
