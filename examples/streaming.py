"""Stream the answer to the terminal as it arrives.

    python examples/streaming.py

``agent.stream(...)`` runs the agent with streamed model responses;
``run.text_stream`` yields the text pieces across every response of the run
(tool calls still run in between), and ``run.result()`` gives the usual
RunResult at the end. Iterate ``run`` itself for every event (thinking and
tool-input deltas, tool calls). Runs offline against a scripted fake model,
whose stream is cut into small pieces; set ANTHROPIC_API_KEY to ask Claude.
"""

from __future__ import annotations

from _offline import MODEL, client

from agentloop import Agent
from agentloop.testing import reply

SCRIPT = [
    reply(
        "The lighthouse keeper counted ships the way other people count sheep. "
        "One night the sea was empty, and for the first time in forty years he "
        "climbed down the spiral stairs, walked to the shore, and waved at the dark. "
        "Far out, a small light blinked back."
    )
]


def main() -> None:
    agent = Agent(model=MODEL, client=client(SCRIPT), max_tokens=1024)
    pieces = 0
    with agent.stream("Tell me a four-sentence story about a lighthouse keeper.") as run:
        for text in run.text_stream:
            print(text, end="", flush=True)
            pieces += 1
        result = run.result()
    print()
    print(f"({pieces} pieces streamed, stop reason {result.stop_reason})")


if __name__ == "__main__":
    main()
