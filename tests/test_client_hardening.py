"""Issue 11 and 12 fixes of the client: the API key never reachable through an
exception chain, streams ending without their last blank line, anyio sleeps,
per-call ``max_retries``, and picklable, JSON-able errors."""

from __future__ import annotations

import contextlib
import json
import pickle
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from structlog.testing import capture_logs

import agentloop
from agentloop import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    Client,
    ConfigurationError,
    OverloadedError,
    RetryPolicy,
    StreamError,
)
from agentloop._exceptions import AgentloopError, _subclasses
from agentloop.testing import FakeAnthropic, connection_reset, http_error, reply
from agentloop.testing.server import serve
from helpers import API_KEY, Api, params

pytestmark = pytest.mark.anyio

MODES = pytest.mark.parametrize("mode", ["sync", "async"])


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    fake = FakeAnthropic()
    yield Api(request.param, fake)
    fake.assert_clean()


# --- the API key is not reachable through any exception chain (issue 11, item 11) ---


def reachable(root: BaseException) -> Iterator[Any]:
    """Every exception of ``root``'s cause/context chain, and every object reachable
    from their attributes and args (httpx requests and their headers included)."""
    seen: set[int] = set()
    todo: list[Any] = [root]
    while todo:
        item = todo.pop()
        if id(item) in seen or isinstance(item, (type, int, float, bool, type(None))):
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, BaseException):
            todo += [item.__cause__, item.__context__, *item.args]
        if isinstance(item, httpx.Request):
            todo += list(item.headers.raw)
        if isinstance(item, dict):
            todo += [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set)):
            todo += list(item)
        for name in ("_request", "request", "response", "headers"):
            with contextlib.suppress(AttributeError, RuntimeError):
                todo.append(getattr(item, name))
        todo += list(getattr(item, "__dict__", {}).values())


def assert_no_key(error: BaseException) -> None:
    objects = list(reachable(error))
    assert len(objects) > 1
    for obj in objects:
        text = obj.decode(errors="replace") if isinstance(obj, bytes) else repr(obj)
        assert API_KEY not in text, f"the key is reachable from {type(error).__name__}: {obj!r}"
        assert not isinstance(obj, httpx.HTTPError), obj
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def mock_clients(handler: Any) -> tuple[Client, AsyncClient]:
    transport = httpx.MockTransport(handler)
    options: dict[str, Any] = {"api_key": API_KEY, "max_retries": 1}
    return (
        Client(http_client=httpx.Client(transport=transport), sleep=lambda s: None, **options),
        AsyncClient(http_client=httpx.AsyncClient(transport=transport), sleep=_no_sleep, **options),
    )


async def _no_sleep(seconds: float) -> None:
    return None


async def call(clients: tuple[Client, AsyncClient], mode: str, *, stream: bool) -> Any:
    sync, async_ = clients
    if mode == "sync":
        if stream:
            with sync.stream(**params()) as s:
                return s.final_message()
        return sync.create(**params())
    if stream:
        async with async_.stream(**params()) as a:
            return await a.final_message()
    return await async_.create(**params())


@MODES
@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(
    ("fault", "expected"),
    [(httpx.ConnectError, APIConnectionError), (httpx.ReadTimeout, APITimeoutError)],
)
async def test_transport_errors_hold_no_request_and_no_key(
    mode: str, stream: bool, fault: type[httpx.HTTPError], expected: type[APIError]
):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["x-api-key"] == API_KEY
        raise fault("the network said no", request=request)

    with pytest.raises(expected) as info:
        await call(mock_clients(handler), mode, stream=stream)
    assert type(info.value) is expected
    assert fault.__name__ in str(info.value) and "the network said no" in str(info.value)
    assert_no_key(info.value)


@MODES
async def test_a_stream_cut_mid_way_holds_no_request_and_no_key(mode: str):
    fake = FakeAnthropic([connection_reset(reply("never complete " * 10), after_events=2)])
    with serve(fake) as url:
        options: dict[str, Any] = {"api_key": API_KEY, "base_url": url}
        clients = (Client(**options), AsyncClient(**options))
        with pytest.raises(StreamError, match="cut") as info:
            await call(clients, mode, stream=True)
    assert_no_key(info.value)


@MODES
async def test_a_body_cut_while_opening_a_stream_holds_no_key(mode: str):
    class Cut(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            raise httpx.ReadError("peer reset")

        async def __aiter__(self) -> Any:
            raise httpx.ReadError("peer reset")
            yield b""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Cut(), headers={"content-type": "text/event-stream"})

    with pytest.raises(APIConnectionError) as info:
        await call(mock_clients(handler), mode, stream=True)
    assert "ReadError: peer reset" in str(info.value)
    assert_no_key(info.value)


# --- a clean end of body after the last event's data line (issue 11, item 6) ---

BODY = [
    {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
     "content": [], "model": "m", "stop_reason": None, "usage": {"input_tokens": 3, "output_tokens": 1}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi!"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}},
]  # fmt: skip


def sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def body_clients(body: bytes) -> tuple[Client, AsyncClient]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    return mock_clients(handler)


@MODES
@pytest.mark.parametrize("end", [b"", b"\n", b"\r\n"])
async def test_a_stream_ending_right_after_message_stop_data_is_complete(mode: str, end: bytes):
    body = sse(BODY) + b'event: message_stop\ndata: {"type":"message_stop"}' + end
    message = await call(body_clients(body), mode, stream=True)
    assert message.text == "Hi!"
    assert message.stop_reason == "end_turn"


@MODES
async def test_a_last_event_that_does_not_parse_is_still_an_error(mode: str):
    body = sse(BODY) + b'event: message_stop\ndata: {"type":"message_st'
    with pytest.raises(StreamError, match="incomplete"):
        await call(body_clients(body), mode, stream=True)


@MODES
async def test_a_last_event_that_parses_but_leaves_the_message_incomplete_is_an_error(mode: str):
    body = sse(BODY[:3]) + b'data: {"type": "content_block_stop", "index": 0}'
    with pytest.raises(StreamError, match="before message_stop"):
        await call(body_clients(body), mode, stream=True)


# --- async retries sleep with anyio (issue 11, item 12) ---


async def test_async_retries_sleep_with_anyio_sleep(monkeypatch: pytest.MonkeyPatch):
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(anyio, "sleep", fake_sleep)
    fake = FakeAnthropic([http_error(529, "overloaded_error", "busy"), reply("ok")])
    client = AsyncClient(api_key=API_KEY, http_client=httpx.AsyncClient(transport=fake.transport))
    assert (await client.create(**params())).text == "ok"
    assert len(slept) == 1 and 0 < slept[0] <= 0.5


def test_async_retries_run_under_trio():
    trio = pytest.importorskip("trio")
    fake = FakeAnthropic([http_error(529, "overloaded_error", "busy"), reply("ok")])
    policy = RetryPolicy(initial_delay=0.0)

    async def main() -> str:
        http = httpx.AsyncClient(transport=fake.transport)
        client = AsyncClient(api_key=API_KEY, http_client=http, retry_policy=policy)
        return (await client.create(**params())).text

    assert trio.run(main) == "ok"
    assert len(fake.requests) == 2


def test_the_retry_module_does_not_import_asyncio():
    import inspect

    import agentloop._retry

    assert "import asyncio" not in inspect.getsource(agentloop._retry)


# --- per-call max_retries (issue 12) ---


async def test_per_call_max_retries_zero_makes_a_single_attempt(api: Api):
    api.fake.add(http_error(529, "overloaded_error", "busy"))
    with pytest.raises(OverloadedError):
        await api.create(max_retries=0)
    assert len(api.fake.requests) == 1
    assert api.sleeps == []
    assert "max_retries" not in api.fake.requests[0].body


async def test_per_call_max_retries_can_raise_the_clients(api: Api):
    api.client_options = {"max_retries": 0}
    api.fake.add(*[http_error(500, "api_error", "x")] * 3, reply("ok"))
    assert (await api.create(max_retries=3)).text == "ok"
    assert len(api.fake.requests) == 4


async def test_per_call_max_retries_applies_to_opening_a_stream(api: Api):
    api.fake.add(http_error(529, "overloaded_error", "busy"), reply("late"))
    with pytest.raises(OverloadedError):
        await api.stream(max_retries=0)
    assert len(api.fake.requests) == 1
    _, message = await api.stream(max_retries=1)
    assert message.text == "late"
    assert "max_retries" not in api.fake.requests[-1].body


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True, None])
async def test_bad_max_retries_is_a_configuration_error(api: Api, bad: Any):
    if bad is None:
        api.fake.add(reply("ok"))  # None means "the client's": accepted
        await api.create(max_retries=None)
        return
    with pytest.raises(ConfigurationError, match="max_retries"):
        await api.create(max_retries=bad)
    assert api.fake.requests == []


@pytest.mark.parametrize("bad", [{"max_retries": -1}, {"initial_delay": -0.5}, {"max_delay": "8"}])
def test_bad_retry_policy_is_a_configuration_error(bad: dict[str, Any]):
    with pytest.raises(ConfigurationError, match=next(iter(bad))):
        RetryPolicy(**bad)


async def test_each_retry_emits_a_model_retry_event(api: Api):
    api.fake.add(http_error(529, "overloaded_error", "busy"), reply("ok"))
    with capture_logs() as logs:
        await api.create()
    retries = [e for e in logs if e["event"] == "model.retry"]
    assert retries == [
        {"event": "model.retry", "log_level": "info", "attempt": 1,
         "error": "OverloadedError", "wait": round(api.sleeps[0], 3)}
    ]  # fmt: skip


# --- errors survive pickle, and API errors round-trip through JSON (issue 11, item 17) ---


def run_result() -> Any:
    from agentloop import RunResult, RunState

    state = RunState(run_id="run_1", messages=[{"role": "user", "content": "Hi"}], max_tokens=9)
    return RunResult(state)


def instance(cls: type[AgentloopError]) -> AgentloopError:
    if issubclass(cls, APIStatusError):
        error = cls("slow down", status_code=429, error_type="rate_limit_error",
                    request_id="req_1", body={"error": {"type": "x"}},
                    headers={"retry-after": "2"})  # fmt: skip
        error.mid_stream = True
        return error
    if issubclass(cls, agentloop.APIResponseError):
        return cls("broken", request_id="req_2")
    if issubclass(cls, agentloop.RunError):
        return cls("limit", run_result())  # type: ignore[call-arg]
    error = cls("plain")
    error.result = run_result()
    return error


ALL = [c for c in _subclasses(AgentloopError) if c.__module__ == "agentloop._exceptions"]
API = [c for c in ALL if issubclass(c, APIError)]


def fields(error: BaseException) -> dict[str, Any]:
    data = {k: v for k, v in vars(error).items() if k != "result"}
    result = getattr(error, "result", None)
    return {**data, "result": None if result is None else result.state}


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_every_error_survives_pickle(cls: type[AgentloopError]):
    error = instance(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert copy.args == error.args
    assert str(copy) == str(error)
    assert fields(copy) == fields(error)


def test_a_tool_error_with_blocks_survives_pickle():
    error = agentloop.ToolError([{"type": "text", "text": "no"}])
    assert pickle.loads(pickle.dumps(error)).content == error.content


@pytest.mark.parametrize("cls", API, ids=lambda c: c.__name__)
def test_api_errors_round_trip_through_json(cls: type[APIError]):
    error = instance(cls)
    data = json.loads(json.dumps(error.to_json()))
    assert "result" not in data
    copy = AgentloopError.from_json(data)
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert vars(copy) == {k: v for k, v in vars(error).items() if k != "result"}


def test_from_json_refuses_what_it_cannot_rebuild():
    with pytest.raises(ConfigurationError, match="unknown agentloop error 'Nope'"):
        AgentloopError.from_json({"error": "Nope", "args": ["x"]})
    with pytest.raises(ConfigurationError, match="to_json"):
        AgentloopError.from_json({"message": "x"})
    with pytest.raises(ConfigurationError, match="is not a APIStatusError"):
        APIStatusError.from_json(StreamError("x").to_json())


async def test_a_real_status_error_round_trips(api: Api):
    api.fake.add(http_error(400, "invalid_request_error", "bad"))
    with pytest.raises(agentloop.BadRequestError) as info:
        await api.create()
    copy = AgentloopError.from_json(json.loads(json.dumps(info.value.to_json())))
    assert isinstance(copy, agentloop.BadRequestError)
    assert (copy.status_code, copy.error_type, copy.message) == (
        400,
        "invalid_request_error",
        "bad",
    )
    assert copy.request_id == info.value.request_id
    assert pickle.loads(pickle.dumps(info.value)).headers == info.value.headers


# --- the flow closes what it opened, whatever ends it ---


@MODES
async def test_a_foreign_error_while_opening_a_stream_closes_the_response(mode: str):
    closed: list[bool] = []

    class Broken(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            raise LookupError("not an httpx error")

        async def __aiter__(self) -> Any:
            raise LookupError("not an httpx error")
            yield b""

        def close(self) -> None:
            closed.append(True)

        async def aclose(self) -> None:
            closed.append(True)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Broken(), headers={"content-type": "text/event-stream"})

    with pytest.raises(LookupError, match="not an httpx error"):
        await call(mock_clients(handler), mode, stream=True)
    assert closed


def test_first_retry_sleeps_in_a_fresh_process_from_many_threads():
    import subprocess
    import sys

    code = """
import threading, anyio, httpx
from agentloop import AsyncClient, RetryPolicy
from agentloop.testing import FakeAnthropic, http_error, reply

def run(results):
    fake = FakeAnthropic([http_error(529, "overloaded_error", "busy"), reply("ok")])
    async def main():
        http = httpx.AsyncClient(transport=fake.transport)
        client = AsyncClient(api_key="k", http_client=http, retry_policy=RetryPolicy(initial_delay=0))
        return (await client.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])).text
    results.append(anyio.run(main))

results = []
threads = [threading.Thread(target=run, args=(results,)) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(results.count("ok"))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "8", out.stderr
