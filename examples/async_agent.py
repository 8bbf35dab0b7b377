"""An async agent: ``await agent.arun(...)``, with async tools and per-run dependencies.

    python examples/async_agent.py

The tools are coroutines; the calls of one turn run as concurrent tasks on the
event loop. ``deps`` hands the tools what they need for this run (here an
in-memory inventory standing in for a database connection) through
``RunContext``. Runs offline against a scripted fake model; set
ANTHROPIC_API_KEY to ask Claude.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from _offline import MODEL, async_client

from agentloop import Agent, RunContext, tool
from agentloop.testing import reply, tool_use


@dataclass
class Inventory:
    """What the tools of one run work with (a database session, an HTTP client...)."""

    stock: dict[str, int]
    prices: dict[str, float]


@tool
async def check_stock(ctx: RunContext[Inventory], product: str) -> str:
    """Check how many units of a product are in stock.

    Args:
        product: The product name, e.g. "kettle".
    """
    await asyncio.sleep(0.1)  # stands in for a database query
    units = ctx.deps.stock.get(product.lower())
    return f"{units} {product} in stock" if units is not None else f"unknown product {product}"


@tool
async def get_price(ctx: RunContext[Inventory], product: str) -> str:
    """Get the unit price of a product, in euros.

    Args:
        product: The product name, e.g. "kettle".
    """
    await asyncio.sleep(0.1)
    price = ctx.deps.prices.get(product.lower())
    return f"{product}: {price:.2f} EUR" if price is not None else f"unknown product {product}"


SCRIPT = [
    reply(
        tool_use("check_stock", {"product": "kettle"}),
        tool_use("get_price", {"product": "kettle"}),
    ),
    reply("Yes: 12 kettles are in stock at 39.90 EUR each, so 3 cost 119.70 EUR."),
]


async def main() -> None:
    inventory = Inventory(stock={"kettle": 12, "toaster": 0}, prices={"kettle": 39.9})
    async with async_client(SCRIPT) as client:
        agent: Agent[Inventory] = Agent(model=MODEL, tools=[check_stock, get_price], client=client)
        result = await agent.arun("Can I buy 3 kettles, and what would they cost?", deps=inventory)
    print(result.text)
    print(f"({result.requests} model requests, stop reason {result.stop_reason})")


if __name__ == "__main__":
    asyncio.run(main())
