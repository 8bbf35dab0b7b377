"""Extended thinking with tools: the model reasons before (and between) its tool calls.

    python examples/thinking_tools.py

With thinking on, each response starts with ``thinking`` blocks. When the model
calls a tool, those blocks must go back to the API unchanged (signature
included) with the tool results; agentloop keeps them in the history for you.
``thinking=2048`` is a manual budget of 2048 thinking tokens (below
``max_tokens``), which claude-sonnet-4-6 accepts; newer models such as
claude-opus-4-8 take only ``thinking="adaptive"``, and the Agent says so at once
if you mix them up. Runs offline against a scripted fake model (which checks
that the thinking blocks come back intact); set ANTHROPIC_API_KEY to ask Claude.
"""

from __future__ import annotations

from _offline import MODEL, client

from agentloop import Agent, tool
from agentloop.testing import reply, text, thinking, tool_use

RATES = {("EUR", "USD"): 1.08, ("USD", "JPY"): 151.2, ("EUR", "JPY"): 163.3}


@tool
def exchange_rate(base: str, quote: str) -> float:
    """Get the current exchange rate: how many units of ``quote`` one ``base`` buys.

    Args:
        base: ISO currency code to convert from, e.g. EUR.
        quote: ISO currency code to convert to, e.g. JPY.
    """
    return RATES[(base.upper(), quote.upper())]


SCRIPT = [
    reply(
        thinking(
            "The user wants 250 EUR in JPY. I should get the EUR/JPY rate directly "
            "rather than going through USD, then multiply."
        ),
        tool_use("exchange_rate", {"base": "EUR", "quote": "JPY"}),
    ),
    reply(
        thinking("The rate is 163.3, so 250 * 163.3 = 40,825 JPY."),
        text("250 EUR is about 40,825 JPY at today's rate of 163.3 yen per euro."),
    ),
]


def main() -> None:
    agent = Agent(
        model=MODEL,
        tools=[exchange_rate],
        thinking=2048,  # or thinking="adaptive"
        max_tokens=8192,
        client=client(SCRIPT),
    )
    result = agent.run("How many yen do I get for 250 euros?")
    for message in result.messages:
        if message["role"] != "assistant" or isinstance(message["content"], str):
            continue
        for block in message["content"]:
            if block["type"] == "thinking":
                print(f"[thinking] {block['thinking']}")
                print(f"           (signed {block['signature'][:12]}...)")
            elif block["type"] == "tool_use":
                print(f"[tool]     {block['name']}({block['input']})")
    print("(the first turn's thinking went back to the API with the tool result, unchanged)")
    print()
    print(result.text)
    print(f"({result.requests} model requests, {result.usage.output_tokens} output tokens)")


if __name__ == "__main__":
    main()
