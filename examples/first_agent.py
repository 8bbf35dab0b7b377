"""A first agent: one tool, one question.

    python examples/first_agent.py

Runs offline against a scripted fake model; set ANTHROPIC_API_KEY to ask Claude.
"""

from __future__ import annotations

from typing import Literal

from _offline import MODEL, client

from agentloop import Agent, tool
from agentloop.testing import reply, tool_use

TEMPERATURES = {"paris": 15, "oslo": 4, "cairo": 31}


@tool
def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Get the current temperature in a city.

    Args:
        city: The city name, e.g. Paris.
        unit: The temperature unit to answer in.
    """
    celsius = TEMPERATURES.get(city.lower())
    if celsius is None:
        return f"No weather station in {city}."
    value = celsius if unit == "celsius" else round(celsius * 9 / 5 + 32)
    return f"{value} degrees {unit} in {city}"


SCRIPT = [
    reply("Let me check.", tool_use("get_weather", {"city": "Paris"})),
    reply("It is 15 degrees Celsius in Paris right now."),
]


def main() -> None:
    agent = Agent(model=MODEL, tools=[get_weather], client=client(SCRIPT))
    result = agent.run("What's the weather in Paris?")
    print(result.text)
    print(f"({result.requests} model requests, {result.usage.output_tokens} output tokens)")


if __name__ == "__main__":
    main()
