"""Issue 17: API version 2026-10-21 by default, 2023-06-01 selectable; each version's
rules checked before sending and by the fake alike; auth tokens; the new headers
and response fields."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from agentloop import (
    Agent,
    AgentloopError,
    APIStatusError,
    AsyncClient,
    BadRequestError,
    Client,
    ConfigurationError,
)
from agentloop._versions import VERSION_RULES, version_problems
from agentloop.testing import FakeAnthropic, garbage, reply
from agentloop.testing.server import serve
from helpers import API_KEY, Api, params

pytestmark = pytest.mark.anyio

NEW, LEGACY = "2026-10-21", "2023-06-01"
TOKEN = "sk-ant-oat-TOKEN-0123456789-SECRET"
DOCUMENT = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "d"}}
CITED = {"type": "text", "text": "x", "citations": [{"type": "char_location", "cited_text": "d"}]}
SEARCH = {"type": "search_result", "source": "s", "title": "t", "content": [CITED]}
CONTENT_CASES = {
    "document in assistant": (
        [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [DOCUMENT]},
         {"role": "user", "content": "go on"}],
        "document in assistant message",
    ),
    "cited user text": ([{"role": "user", "content": [CITED]}], "citations in user message"),
    "cited search result": ([{"role": "user", "content": [SEARCH]}], "citations in user message"),
}  # fmt: skip
SAMPLING_CASES = [{"temperature": 0.5}, {"top_p": 0.9}, {"top_k": 5}, {"temperature": 1.0}]


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    fake = FakeAnthropic()
    yield Api(request.param, fake)
    fake.assert_clean()


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- the version sent ---------------------------------------------------------------


async def test_the_default_version_is_2026_10_21_and_2023_06_01_is_selectable(api: Api):
    api.fake.add(reply("a"), reply("b"))
    await api.create()
    api.client_options["api_version"] = LEGACY
    await api.stream()
    assert [r.headers["anthropic-version"] for r in api.fake.requests] == [NEW, LEGACY]


@pytest.mark.parametrize("bad", ["2024-10-22", "latest", None, 20261021])
def test_an_unknown_version_is_a_configuration_error(bad: Any):
    for make in (Client, AsyncClient):
        with pytest.raises(ConfigurationError, match=r"'2026-10-21' or '2023-06-01'"):
            make(api_key="k", api_version=bad)
    if bad is not None:
        with pytest.raises(ConfigurationError, match="is not an API version"):
            Agent("claude-sonnet-4-6", api_version=bad)


def test_the_table_of_version_rules_is_read_only():
    with pytest.raises(TypeError):
        VERSION_RULES["2099-01-01"] = VERSION_RULES[NEW]  # type: ignore[index]


# --- the rules of 2026-10-21, before sending ----------------------------------------


@pytest.mark.parametrize("sampling", SAMPLING_CASES)
@pytest.mark.parametrize("method", ["create", "stream"])
async def test_sampling_parameters_are_refused_before_sending_under_2026(
    api: Api, sampling: dict[str, Any], method: str
):
    with pytest.raises(ConfigurationError) as info:
        await getattr(api, method)(**sampling)
    message = str(info.value)
    assert f"{next(iter(sampling))} was removed in API version 2026-10-21" in message
    assert "api_version='2023-06-01'" in message
    assert api.fake.requests == []


async def test_sampling_parameters_pass_under_2023(api: Api):
    api.client_options["api_version"] = LEGACY
    api.fake.add(reply("ok"))
    await api.create(temperature=0.5, top_p=0.9, top_k=5)
    assert api.fake.requests[0].body["top_k"] == 5


@pytest.mark.parametrize("case", CONTENT_CASES)
async def test_content_rules_are_checked_before_sending_under_2026_only(api: Api, case: str):
    messages, rule = CONTENT_CASES[case]
    with pytest.raises(ConfigurationError, match=f"{rule}: messages\\["):
        await api.create(messages=messages)
    assert api.fake.requests == []
    api.client_options["api_version"] = LEGACY
    api.fake.add(reply("ok"))
    await api.create(messages=messages)
    assert len(api.fake.requests) == 1


async def test_citations_on_assistant_text_and_enabled_on_documents_stay_valid(api: Api):
    api.fake.add(reply("ok"))
    document = {**DOCUMENT, "citations": {"enabled": True}}
    messages = [
        {"role": "user", "content": [document, {"type": "text", "text": "cite it"}]},
        {"role": "assistant", "content": [CITED]},
        {"role": "user", "content": "thanks"},
    ]
    await api.create(messages=messages)
    assert len(api.fake.requests) == 1


@pytest.mark.parametrize(
    "sent",
    [{"check_rules": False, "temperature": 0.5}, {"extra_body": {"temperature": 0.5}}],
    ids=["check_rules=False", "extra_body"],
)
async def test_unchecked_requests_get_the_fakes_400_for_the_same_rule(sent: dict[str, Any]):
    fake = FakeAnthropic()
    api = Api("sync", fake, client_options={"max_retries": 0})
    with pytest.raises(BadRequestError, match="temperature was removed in API version 2026-10-21"):
        await api.create(**sent)
    assert [v.rule for v in fake.violations] == ["sampling parameters"]


@pytest.mark.parametrize("case", CONTENT_CASES)
def test_the_fake_refuses_the_content_rules_under_2026_only(case: str):
    messages, rule = CONTENT_CASES[case]
    fake = FakeAnthropic([reply("ok")])
    sent = {**params(), "messages": messages, "check_rules": False}
    with fake.client(max_retries=0) as client, pytest.raises(BadRequestError, match=rule):
        client.create(**sent)
    with fake.client(api_version=LEGACY) as client:
        client.create(**sent)
    assert [(v.request, v.rule) for v in fake.violations] == [(1, rule)]
    assert fake.remaining == 0


# --- the agent --------------------------------------------------------------------------


def test_an_agent_refuses_sampling_under_2026_saying_how_to_pin_2023():
    with pytest.raises(ConfigurationError, match="removed in API version 2026-10-21") as info:
        Agent("claude-sonnet-4-6", temperature=0.5)
    assert "api_version='2023-06-01'" in str(info.value)
    assert Agent("claude-sonnet-4-6", temperature=0.5, api_version=LEGACY).config.settings == {
        "temperature": 0.5
    }


def test_under_2023_the_per_model_sampling_rules_stay():
    with pytest.raises(ConfigurationError, match="claude-opus-4-8 rejects non-default top_p"):
        Agent("claude-opus-4-8", top_p=0.5, api_version=LEGACY)


def test_an_agent_takes_the_version_of_its_client():
    fake = FakeAnthropic([reply("ok")])
    agent = Agent("claude-sonnet-4-6", client=fake.client(api_version=LEGACY), temperature=0.2)
    assert agent.config.api_version == LEGACY
    agent.run("Hi")
    assert fake.requests[0].headers["anthropic-version"] == LEGACY
    assert fake.requests[0].body["temperature"] == 0.2


def test_an_agent_refuses_clients_of_another_version():
    fake = FakeAnthropic()
    with pytest.raises(ConfigurationError, match="client speaks API version '2026-10-21'"):
        Agent("claude-sonnet-4-6", client=fake.client(), api_version=LEGACY)
    with pytest.raises(ConfigurationError, match="async_client speaks API version '2023-06-01'"):
        Agent(
            "claude-sonnet-4-6",
            client=fake.client(),
            async_client=fake.async_client(api_version=LEGACY),
        )


async def test_the_clients_an_agent_creates_speak_its_version(no_env: pytest.MonkeyPatch):
    no_env.setenv("ANTHROPIC_API_KEY", "k")
    agent = Agent("claude-sonnet-4-6", api_version=LEGACY)
    assert agent.client.api_version == LEGACY
    assert agent.async_client.api_version == LEGACY
    await agent.aclose()
    assert Agent("claude-sonnet-4-6").client.api_version == NEW


def test_a_request_is_checked_against_the_version_of_the_client_that_sends_it():
    fake = FakeAnthropic([reply("ok")])
    agent = Agent("claude-sonnet-4-6", temperature=0.5, api_version=LEGACY)
    with agent.override(client=fake.client()), pytest.raises(ConfigurationError, match="removed"):
        agent.run("Hi")
    assert fake.requests == []
    with agent.override(client=fake.client(api_version=LEGACY)):
        assert agent.run("Hi").text == "ok"


def test_an_agent_with_check_rules_false_sends_what_it_was_given():
    fake = FakeAnthropic([reply("ok")], checks=False)
    agent = Agent("claude-sonnet-4-6", client=fake.client(), top_k=5, check_rules=False)
    agent.run("Hi")
    assert fake.requests[0].body["top_k"] == 5
    assert "check_rules" not in fake.requests[0].body


# --- auth ------------------------------------------------------------------------------


async def test_an_auth_token_is_sent_as_bearer_and_never_with_x_api_key(api: Api):
    api.fake.add(reply("a"), reply("b"))
    for mode in ("create", "stream"):
        client = Client(auth_token=TOKEN, http_client=httpx.Client(transport=api.fake.transport))
        if mode == "create":
            client.create(**params())
        else:
            with client.stream(**params()) as stream:
                stream.final_message()
    for request in api.fake.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert "x-api-key" not in request.headers


def test_credentials_from_the_environment(no_env: pytest.MonkeyPatch):
    with pytest.raises(ConfigurationError, match="ANTHROPIC_AUTH_TOKEN"):
        Client()
    no_env.setenv("ANTHROPIC_AUTH_TOKEN", TOKEN)
    assert Client()._headers([], None)["authorization"] == f"Bearer {TOKEN}"
    no_env.setenv("ANTHROPIC_API_KEY", API_KEY)
    headers = Client()._headers([], None)
    assert headers["x-api-key"] == API_KEY and "authorization" not in headers
    explicit = Client(auth_token="t2")._headers([], None)
    assert explicit["authorization"] == "Bearer t2" and "x-api-key" not in explicit


def test_never_both_credentials(no_env: pytest.MonkeyPatch):
    with pytest.raises(ConfigurationError, match="not both"):
        Client(api_key="k", auth_token="t")
    client = Client(api_key=API_KEY, default_headers={"Authorization": f"Bearer {TOKEN}"})
    headers = client._headers([], None)
    assert headers["authorization"] == f"Bearer {TOKEN}" and "x-api-key" not in headers
    gateway = Client(auth_token=TOKEN)._headers([], {"X-Api-Key": "per-call"})
    assert gateway["x-api-key"] == "per-call" and "authorization" not in gateway
    with pytest.raises(ConfigurationError, match="both x-api-key and authorization"):
        client._headers([], {"x-api-key": "also"})


def _reachable(root: BaseException) -> Iterator[Any]:
    seen: set[int] = set()
    todo: list[Any] = [root]
    while todo:
        item = todo.pop()
        if id(item) in seen or item is None:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, BaseException):
            todo += [item.__cause__, item.__context__, *item.args]
        todo += list(getattr(item, "__dict__", {}).values())


@pytest.mark.parametrize("stream", [False, True])
def test_the_token_stays_out_of_reprs_logs_and_exception_chains(stream: bool):
    def refuse(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        raise httpx.ConnectError("no route", request=request)

    http = httpx.Client(transport=httpx.MockTransport(refuse))
    client = Client(auth_token=TOKEN, http_client=http, max_retries=0)

    def send() -> None:
        if stream:
            with client.stream(**params()) as s:
                s.final_message()
        else:
            client.create(**params())

    with capture_logs() as logs, pytest.raises(AgentloopError) as info:
        send()
    seen = [repr(client), json.dumps(logs, default=repr), *map(repr, _reachable(info.value))]
    assert all(TOKEN not in item for item in seen)
    assert info.value.__cause__ is None


# --- headers and new fields ----------------------------------------------------------------


async def test_workspace_and_user_profile_ids_are_sent_as_headers(api: Api):
    api.client_options.update(workspace_id="wrkspc_1", user_profile_id="uprof_1")
    api.fake.add(reply("ok"))
    await api.create()
    headers = api.fake.requests[0].headers
    assert headers["anthropic-workspace-id"] == "wrkspc_1"
    assert headers["anthropic-user-profile-id"] == "uprof_1"
    with pytest.raises(ConfigurationError, match="workspace_id must be a non-empty string"):
        Client(api_key="k", workspace_id="")


@pytest.mark.parametrize("method", ["create", "stream"])
async def test_the_cache_miss_reason_is_logged_with_the_request(api: Api, method: str):
    diagnostics = {"cache_miss_reason": "prefix_changed"}
    api.fake.add(reply("ok", diagnostics=diagnostics), reply("ok"))
    with capture_logs() as logs:
        await getattr(api, method)(diagnostics={"previous_message_id": "msg_1"})
        await getattr(api, method)()
    events = [e for e in logs if e["event"] == "model.request"]
    assert events[0]["cache_miss_reason"] == "prefix_changed"
    assert "cache_miss_reason" not in events[1]
    assert api.fake.requests[0].body["diagnostics"] == {"previous_message_id": "msg_1"}


async def test_an_error_code_is_kept_on_the_typed_error(api: Api):
    body = {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "nope",
            "details": {"error_code": "context_too_long"},
        },
    }
    api.fake.add(garbage(json.dumps(body), status=400), reply("ok"))
    with pytest.raises(BadRequestError) as info:
        await api.create()
    error = info.value
    assert error.error_code == "context_too_long"
    assert pickle.loads(pickle.dumps(error)).error_code == "context_too_long"
    data = error.to_json()
    assert data["error_code"] == "context_too_long"
    rebuilt = AgentloopError.from_json(json.loads(json.dumps(data)))
    assert isinstance(rebuilt, BadRequestError) and rebuilt.error_code == "context_too_long"
    await api.create()


def test_an_error_without_details_has_no_code_and_old_json_still_loads():
    error = APIStatusError("x", status_code=400, body={"error": {"type": "t"}})
    assert error.error_code is None
    old = {"error": "BadRequestError", "args": ["x"], "status_code": 400, "message": "x"}
    assert AgentloopError.from_json(old).error_code is None  # type: ignore[attr-defined]


def test_the_local_server_refuses_an_unknown_version_with_the_apis_400():
    fake = FakeAnthropic([reply("never")])
    headers = {"x-api-key": "k", "anthropic-version": "2024-10-22"}
    with serve(fake) as url, httpx.Client(timeout=10) as http:
        response = http.post(f"{url}/v1/messages", json=params(), headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "message": 'anthropic-version: "2024-10-22" is not a valid version',
    }
    assert fake.remaining == 1


_blocks = st.one_of(
    st.just({"type": "text", "text": "hi"}),
    st.just({"type": "text", "text": "see", "citations": [{"type": "char_location"}]}),
    st.just({"type": "text", "text": "none", "citations": []}),
    st.just({"type": "document", "source": {"type": "text", "data": "d"}}),
    st.just(
        {
            "type": "search_result",
            "content": [{"type": "text", "text": "x", "citations": [{"type": "x"}]}],
        }
    ),
    st.just({"type": "tool_result", "tool_use_id": "t", "content": "the document citations"}),
)
_messages = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["user", "assistant"]),
            "content": st.one_of(st.text(max_size=12), st.lists(_blocks, max_size=3)),
        }
    ),
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(messages=_messages, version=st.sampled_from(sorted(VERSION_RULES)))
def test_the_history_scan_is_skipped_only_when_it_could_find_nothing(
    messages: list[dict[str, Any]], version: str
) -> None:
    body = {"model": "claude-sonnet-4-6", "max_tokens": 10, "messages": messages}
    text = json.dumps(body, separators=(",", ":"))
    assert version_problems(body, version, json_text=text) == version_problems(body, version)
