"""The kit's conveniences and its misuse errors: ready clients, str garbage, clear ScriptErrors."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentloop import (
    APIResponseError,
    AsyncClient,
    BadRequestError,
    Client,
    ConfigurationError,
    OverloadedError,
)
from agentloop.testing import (
    FakeAnthropic,
    Script,
    ScriptError,
    block,
    garbage,
    http_error,
    reply,
    server_tool_use,
    stream_error,
    tool_use,
    web_search_result,
)

PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 100,
    "messages": [{"role": "user", "content": "Hi"}],
}
SECRET = "sk-ant-SECRET-0123456789"


def test_fake_client_is_a_ready_client() -> None:
    fake = FakeAnthropic([reply("Hello!")])
    client = fake.client()
    assert isinstance(client, Client)
    assert client.create(**PARAMS).content[0].text == "Hello!"  # type: ignore[union-attr]
    assert fake.requests[0].path == "/v1/messages"
    assert fake.requests[0].headers["x-api-key"]
    fake.assert_clean()


def test_fake_client_retries_without_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_real_sleep(seconds: float) -> None:
        raise AssertionError(f"time.sleep({seconds}) called")

    monkeypatch.setattr(time, "sleep", no_real_sleep)
    busy = http_error(529, "overloaded_error", "busy", {"retry-after": "3600"})
    fake = FakeAnthropic([busy, busy, reply("ok")])
    assert fake.client().create(**PARAMS).content[0].text == "ok"  # type: ignore[union-attr]
    assert len(fake.requests) == 3


def test_fake_client_passes_client_options_on() -> None:
    waited: list[float] = []
    busy = http_error(529, "overloaded_error", "busy", {"retry-after": "2"})
    fake = FakeAnthropic([busy, busy])
    client = fake.client(max_retries=1, sleep=waited.append, api_key=SECRET)
    with pytest.raises(OverloadedError):
        client.create(**PARAMS)
    assert waited == [2.0] and len(fake.requests) == 2
    assert fake.requests[0].headers["x-api-key"] == SECRET


def test_fake_client_refuses_an_http_client() -> None:
    fake = FakeAnthropic()
    with httpx.Client() as http, pytest.raises(ConfigurationError, match=r"fake\.transport"):
        fake.client(http_client=http)


@pytest.mark.anyio
async def test_fake_async_client_is_a_ready_async_client() -> None:
    busy = http_error(529, "overloaded_error", "busy", {"retry-after": "3600"})
    fake = FakeAnthropic([busy, reply("Hello!")])
    client = fake.async_client()
    assert isinstance(client, AsyncClient)
    message = await client.create(**PARAMS)
    assert message.content[0].text == "Hello!"  # type: ignore[union-attr]
    assert len(fake.requests) == 2


def test_fake_client_from_many_threads_in_a_fresh_process() -> None:
    code = """
from concurrent.futures import ThreadPoolExecutor
from agentloop.testing import FakeAnthropic, reply
fake = FakeAnthropic([reply("ok")], repeat=True)
params = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
def go(i):
    client = fake.client() if i % 2 else fake.async_client()
    if i % 2:
        return client.create(**params).content[0].text
    import anyio
    return anyio.run(lambda: client.create(**params)).content[0].text
with ThreadPoolExecutor(8) as pool:
    assert list(pool.map(go, range(16))) == ["ok"] * 16
fake.assert_clean()
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def test_the_key_is_in_no_repr_or_error_of_the_kit() -> None:
    fake = FakeAnthropic([reply("ok")])
    client = fake.client(api_key=SECRET)
    client.create(**PARAMS)
    with pytest.raises(BadRequestError) as info:
        client.create(**PARAMS)  # the script is exhausted
    seen = [repr(fake.requests), str(fake.requests[0]), str(info.value), repr(fake.violations)]
    seen += [str(v) for v in fake.violations]
    assert all(SECRET not in text for text in seen)
    assert "<hidden>" in repr(fake.requests[0])
    bearer = FakeAnthropic([reply("ok")])
    with httpx.Client(transport=bearer.transport) as http:
        headers = {"authorization": f"Bearer {SECRET}", "anthropic-version": "2023-06-01"}
        http.post("https://api.anthropic.com/v1/messages", json=PARAMS, headers=headers)
    assert SECRET not in repr(bearer.requests[0])


@pytest.mark.parametrize("body", ["not json", b"not json", bytearray(b"not json")])
def test_garbage_takes_str_and_bytes(body: Any) -> None:
    fake = FakeAnthropic([garbage(body)])
    with pytest.raises(APIResponseError):
        fake.client(max_retries=0).create(**PARAMS)
    assert garbage(body).body == b"not json"


def test_an_exhausted_script_says_what_to_do() -> None:
    fake = FakeAnthropic([reply("one")])
    client = fake.client()
    client.create(**PARAMS)
    with pytest.raises(BadRequestError, match=r"all 1 were served; give more with fake\.add"):
        client.create(**PARAMS)
    assert [v.rule for v in fake.violations] == ["script exhausted"]


MISUSES: dict[str, tuple[Any, str]] = {
    "one reply, no list": (lambda: FakeAnthropic(reply("x")), "wrap a single reply in a list"),
    "a str item": (lambda: FakeAnthropic(["hi"]), r"reply\('hi'\)"),
    "a dict item": (lambda: FakeAnthropic([{"kind": "reply"}]), "no script item"),
    "add a str": (lambda: FakeAnthropic().add("hi"), r"fake\.add\(\) item 0"),
    "garbage of an int": (lambda: garbage(5), "bytes or str"),  # type: ignore[arg-type]
    "block without type": (lambda: block({"text": "x"}), "'type'"),
    "reply of an int": (lambda: reply(5), "reply\\(\\) takes blocks"),  # type: ignore[arg-type]
    "stream_error of a str": (lambda: stream_error("x"), "takes a reply"),  # type: ignore[arg-type]
    "status as a str": (lambda: http_error("429", "rate_limit_error", "x"), "status"),  # type: ignore[arg-type]
    "truncated empty reply": (lambda: reply(truncated=True), "truncated"),
    "search result with no call": (
        lambda: reply(web_search_result(results=[])),
        "must follow a server_tool_use",
    ),
}


@pytest.mark.parametrize(("make", "message"), MISUSES.values(), ids=MISUSES.keys())
def test_misuse_gets_a_clear_script_error(make: Any, message: str) -> None:
    with pytest.raises(ScriptError, match=message) as info:
        make()
    assert isinstance(info.value, ConfigurationError)


def test_a_search_result_after_its_call_is_fine() -> None:
    reply(server_tool_use("web_search", {"q": "x"}), web_search_result(results=[]))


def test_a_handler_answering_no_item_gets_a_script_error() -> None:
    fake = FakeAnthropic(lambda request: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ScriptError, match="the handler's answer to request 1 is None"):
        fake.client().create(**PARAMS)


BAD_FILES: dict[str, tuple[str, str]] = {
    "not json": ("{", "is not JSON"),
    "not an object": ("[]", "a script is a JSON object"),
    "unknown kind": ('{"responses": [{"kind": "nope"}]}', r"responses\[0\]: unknown script"),
    "missing status": (
        '{"responses": [{"kind": "reply"}, {"kind": "http_error", "error_type": "x"}]}',
        r"responses\[1\]: a 'http_error' item needs 'status'",
    ),
    "unknown reply field": (
        '{"responses": [{"kind": "reply", "contents": []}]}',
        r"unknown reply fields \['contents'\]",
    ),
    "bad block": ('{"responses": [{"kind": "reply", "content": ["hi"]}]}', r"content\[0\]"),
    "bad base64": ('{"responses": [{"kind": "garbage", "body_base64": "%%"}]}', "base64"),
    "bad sse": ('{"sse": {"colour": 1}}', "unknown sse style fields"),
}


@pytest.mark.parametrize(("text", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_script_file_gets_a_script_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "script.json"
    path.write_text(text)
    with pytest.raises(ScriptError, match=message) as info:
        FakeAnthropic.from_file(path)
    assert "script.json" in str(info.value)


def test_a_garbage_str_round_trips_through_a_script_file(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    Script([garbage("not json"), reply(tool_use("t", {"a": 1}))]).dump(path)
    data = json.loads(path.read_text())
    assert data["responses"][0]["body"] == "not json"
    assert FakeAnthropic.from_file(path).remaining == 2


def test_a_malformed_tool_result_id_is_a_400_not_a_crash() -> None:
    fake = FakeAnthropic([reply("never served")])
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "t"}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": ["toolu_1"]}]},
    ]
    with pytest.raises(BadRequestError, match="tool_use answered"):
        fake.client().create(**{**PARAMS, "messages": messages})


def test_the_server_command_names_a_bad_script(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from agentloop.testing.server import main

    path = tmp_path / "script.json"
    path.write_text('{"responses": [{"kind": "nope"}]}')
    with pytest.raises(SystemExit) as info:
        main(["--script", str(path)])
    assert info.value.code == 2
    assert "responses[0]: unknown script item kind 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--script", str(tmp_path / "missing.json")])
    assert "missing.json" in capsys.readouterr().err
