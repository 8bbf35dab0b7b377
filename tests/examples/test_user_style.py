"""Testing an agent the way a user tests theirs: only ``agentloop.testing`` and pytest.

The agent under test is a small order-support bot. The tests script what the
model says with the builders, run the real agent against the fake, and check
both the outcome and what the agent sent to the model.
"""

from __future__ import annotations

import httpx
import pytest

from agentloop import Agent, AsyncClient, Client, RunContext, tool
from agentloop.testing import FakeAnthropic, http_error, reply, tool_use
from agentloop.testing.pytest_plugin import NetworkBlockedError
from agentloop.testing.server import serve

# --- the user's code ---------------------------------------------------------------

ORDERS = {"A-1001": "shipped", "A-1002": "packing"}


@tool
def order_status(ctx: RunContext[dict[str, str]], order_id: str) -> str:
    """Look up the status of an order.

    Args:
        order_id: The order number, e.g. A-1001.
    """
    status = ctx.deps.get(order_id)
    return f"Order {order_id} is {status}." if status else f"There is no order {order_id}."


def support_agent(client: Client | AsyncClient) -> Agent[dict[str, str]]:
    return Agent(
        model="claude-sonnet-4-6",
        system="You answer questions about orders. Look orders up; never guess.",
        tools=[order_status],
        client=client,
    )


# --- the user's tests ----------------------------------------------------------------


def client_for(fake: FakeAnthropic) -> Client:
    return Client(api_key="test", http_client=httpx.Client(transport=fake.transport))


def test_the_agent_looks_the_order_up(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.add(
        reply(tool_use("order_status", {"order_id": "A-1001"}, id="toolu_1")),
        reply("Your order A-1001 has shipped."),
    )
    result = support_agent(client_for(fake_anthropic)).run("Where is A-1001?", deps=ORDERS)

    assert result.text == "Your order A-1001 has shipped."
    fake_anthropic.assert_consumed()
    first, second = fake_anthropic.requests
    assert first.body["system"].startswith("You answer questions about orders")
    assert [t["name"] for t in first.body["tools"]] == ["order_status"]
    assert second.messages[-1]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Order A-1001 is shipped."}
    ]


def test_an_unknown_order_is_reported_to_the_model(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.add(
        reply(tool_use("order_status", {"order_id": "B-7"})),
        reply("I could not find order B-7."),
    )
    support_agent(client_for(fake_anthropic)).run("Where is B-7?", deps=ORDERS)
    answer = fake_anthropic.requests[1].messages[-1]["content"][0]
    assert answer["content"] == "There is no order B-7."


def test_a_bad_tool_call_gets_the_field_errors(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.add(
        reply(tool_use("order_status", {"order": "A-1001"})),
        reply(tool_use("order_status", {"order_id": "A-1001"})),
        reply("It has shipped."),
    )
    result = support_agent(client_for(fake_anthropic)).run("Where is A-1001?", deps=ORDERS)
    error = fake_anthropic.requests[1].messages[-1]["content"][0]
    assert error["is_error"] is True
    assert "order_id" in error["content"]
    assert result.text == "It has shipped."


def test_an_overloaded_api_is_retried() -> None:
    script = [http_error(529, "overloaded_error", "Overloaded"), reply("Hello!")]
    with FakeAnthropic(script) as fake:  # leaving the block fails on any protocol violation
        client = Client(
            api_key="test",
            http_client=httpx.Client(transport=fake.transport),
            sleep=lambda seconds: None,  # no real waiting in tests
        )
        assert support_agent(client).run("Hi").text == "Hello!"
    assert len(fake.requests) == 2


@pytest.mark.anyio
async def test_the_async_agent_behaves_the_same(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.add(
        reply(tool_use("order_status", {"order_id": "A-1002"})),
        reply("A-1002 is being packed."),
    )
    client = AsyncClient(
        api_key="test", http_client=httpx.AsyncClient(transport=fake_anthropic.transport)
    )
    result = await support_agent(client).arun("And A-1002?", deps=ORDERS)
    assert result.text == "A-1002 is being packed."
    assert "packing" in fake_anthropic.requests[1].messages[-1]["content"][0]["content"]


def test_the_agent_over_a_real_local_server() -> None:
    fake = FakeAnthropic(
        [reply(tool_use("order_status", {"order_id": "A-1001"})), reply("Shipped.")]
    )
    with serve(fake) as url, Client(api_key="test", base_url=url) as client:
        result = support_agent(client).run("Where is A-1001?", deps=ORDERS)
    assert result.text == "Shipped."
    fake.assert_clean()


def test_forgetting_the_fake_cannot_reach_the_real_api() -> None:
    client = Client(api_key="test", max_retries=0)  # no transport: it would go to the internet
    with pytest.raises(NetworkBlockedError):
        support_agent(client).run("Hi")
