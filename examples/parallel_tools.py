"""Several tools, called in parallel: one model turn asks for four calls at once.

    python examples/parallel_tools.py

The tools take a moment each (they sleep to stand in for slow I/O); agentloop
runs the calls of one turn concurrently, so the turn takes about as long as its
slowest call, and answers them in the order the model asked.
Runs offline against a scripted fake model; set ANTHROPIC_API_KEY to ask Claude.
"""

from __future__ import annotations

import time

from _offline import MODEL, client

from agentloop import Agent, RunFinished, ToolCallFinished, ToolCallStarted, tool
from agentloop.testing import reply, tool_use

DELAY = 0.3  # seconds each tool call takes
TEMPERATURES = {"paris": 15, "oslo": 4, "cairo": 31}
UTC_OFFSETS = {"paris": 1, "oslo": 1, "cairo": 2}


@tool
def get_weather(city: str) -> str:
    """Get the current temperature in a city, in degrees Celsius.

    Args:
        city: The city name, e.g. Paris.
    """
    time.sleep(DELAY)
    celsius = TEMPERATURES.get(city.lower())
    return f"{celsius} °C in {city}" if celsius is not None else f"No data for {city}."


@tool
def get_utc_offset(city: str) -> int:
    """Get a city's offset from UTC, in hours.

    Args:
        city: The city name, e.g. Cairo.
    """
    time.sleep(DELAY)
    return UTC_OFFSETS.get(city.lower(), 0)


SCRIPT = [
    reply(
        "I'll look these up at the same time.",
        tool_use("get_weather", {"city": "Paris"}),
        tool_use("get_weather", {"city": "Oslo"}),
        tool_use("get_weather", {"city": "Cairo"}),
        tool_use("get_utc_offset", {"city": "Cairo"}),
    ),
    reply("Cairo is the warmest at 31 °C (Paris 15 °C, Oslo 4 °C); it is UTC+2 there."),
]


def main() -> None:
    agent = Agent(model=MODEL, tools=[get_weather, get_utc_offset], client=client(SCRIPT))
    prompt = (
        "Which of Paris, Oslo and Cairo is warmest right now, and what is that city's "
        "UTC offset? Look everything up in parallel."
    )
    start = time.perf_counter()
    calls = 0
    for event in agent.iter(prompt):
        elapsed = time.perf_counter() - start
        if isinstance(event, ToolCallStarted):
            calls += 1
            print(f"{elapsed:4.2f}s  start   {event.call.name}({event.call.input})")
        elif isinstance(event, ToolCallFinished):
            print(f"{elapsed:4.2f}s  finish  {event.call.name} -> {event.result.content}")
        elif isinstance(event, RunFinished):
            print(f"\n{event.result.text}")
    took = time.perf_counter() - start
    print(f"({calls} tool calls of {DELAY}s each; the whole run took {took:.2f}s)")


if __name__ == "__main__":
    main()
